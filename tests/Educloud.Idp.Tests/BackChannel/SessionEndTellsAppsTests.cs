using System.Net;
using System.Text.Json;
using Educloud.Idp.Data;
using Educloud.Idp.Tests.Infrastructure;
using Educloud.IdPortenSimulator;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Educloud.Idp.Tests.BackChannel;

/// <summary>One IdP whose test app registers a back-channel logout URI at an in-process receiver.</summary>
public sealed class BackChannelFixture : IAsyncLifetime
{
    public LogoutReceiver Receiver { get; private set; } = null!;

    public IdpHost Idp { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Receiver = await LogoutReceiver.StartAsync();
        Idp = BackChannelIdp.Create(Receiver);
        _ = Idp.Server;
    }

    public async Task DisposeAsync()
    {
        Idp.Dispose();
        await Receiver.DisposeAsync();
    }
}

/// <summary>
/// OIDC Back-Channel Logout 1.0 to research apps (issue 12): whichever way an IdP session ends, the
/// app that got tokens in it receives one valid logout token for that sid, and its refresh token
/// is refused from then on.
/// </summary>
public sealed class SessionEndTellsAppsTests(BackChannelFixture fixture) : IClassFixture<BackChannelFixture>
{
    private IdpHost Idp => fixture.Idp;

    private LogoutReceiver Receiver => fixture.Receiver;

    [Fact]
    public async Task Discovery_AdvertisesBackChannelLogoutWithSession()
    {
        using var backchannel = Idp.NewBackchannel();
        var discovery = JsonDocument.Parse(await backchannel.GetStringAsync("/.well-known/openid-configuration")).RootElement;

        discovery.GetProperty("backchannel_logout_supported").GetBoolean().Should().BeTrue();
        discovery.GetProperty("backchannel_logout_session_supported").GetBoolean().Should().BeTrue();
    }

    [Fact]
    public async Task IdToken_CarriesOurSessionId_AndTheSessionRecordsTheApp()
    {
        var login = await BackChannelIdp.LogInToAppAsync(Idp);

        var apps = await AdminApi.InScopeAsync(Idp, s => s.GetRequiredService<IdpDbContext>().SessionApps.Where(a => a.SessionId == login.Sid).Select(a => a.ClientId).ToListAsync());
        apps.Should().Equal(IdpHost.AppClientId);
    }

    [Fact]
    public async Task LogoutFromTheApp_EndSession_TellsTheApp_WithAValidLogoutToken()
    {
        var login = await BackChannelIdp.LogInToAppAsync(Idp);

        await login.Browser.GetAsync(QueryHelpers.AddQueryString(IdpHost.Origin + "/connect/endsession", new Dictionary<string, string?>
        {
            ["id_token_hint"] = login.IdToken,
            ["post_logout_redirect_uri"] = IdpHost.AppOrigin + "/signout-callback-oidc",
        }));

        var token = await ToldOnceAsync(login);
        var validated = await LogoutReceiver.ValidateAsync(Idp, token);
        validated.GetPayloadValue<string>("sid").Should().Be(login.Sid);
        validated.Subject.Should().Be(await AdminApi.UserIdAsync(Idp, login.Pid));
    }

    [Fact]
    public async Task LogoutOnTheStartPage_TellsTheApp()
    {
        var login = await BackChannelIdp.LogInToAppAsync(Idp);

        await login.Browser.SubmitAsync(await login.Browser.GetAsync(IdpHost.Origin + "/"), "form[action='/account/logout']");

        await LogoutReceiver.ValidateAsync(Idp, await ToldOnceAsync(login));
    }

    [Fact]
    public async Task FrontChannelLogoutFromIdPorten_TellsTheApp()
    {
        var login = await BackChannelIdp.LogInToAppAsync(Idp);
        var upstreamSid = await AdminApi.InScopeAsync(Idp, s => s.GetRequiredService<IdpDbContext>().Sessions.Where(x => x.Id == login.Sid).Select(x => x.UpstreamSessionId).SingleAsync());
        using var frame = Idp.NewBackchannel();

        using var response = await frame.GetAsync(QueryHelpers.AddQueryString("/federation/idporten/frontchannel-logout",
            new Dictionary<string, string?> { ["iss"] = IdpHost.Origin + "/idporten-sim", ["sid"] = upstreamSid }));

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        await LogoutReceiver.ValidateAsync(Idp, await ToldOnceAsync(login));
    }

    [Fact]
    public async Task BackChannelLogoutFromIdPorten_TellsTheApp()
    {
        var login = await BackChannelIdp.LogInToAppAsync(Idp);

        // The person logs out at another service: ID-porten (the simulator) POSTs its logout token to us.
        (await Idp.Services.GetRequiredService<IdPortenSimulatorSessions>().EndSessionsOfAsync(login.Pid, IdpHost.Origin + "/idporten-sim")).Should().NotBeEmpty();

        await LogoutReceiver.ValidateAsync(Idp, await ToldOnceAsync(login));
    }

    [Theory]
    [InlineData("sessions/end")]
    [InlineData("authenticator/revoke")]
    public async Task SupportEndsTheSessionsOrRevokesTheAuthenticator_TellsTheApp(string act)
    {
        var login = await BackChannelIdp.LogInToAppAsync(Idp);
        var support = await AdminApi.LogInAsync(Idp, "support");

        var (status, body, _) = await AdminApi.SendAsync(Idp, support.AccessToken, HttpMethod.Post,
            $"/api/admin/users/{await AdminApi.UserIdAsync(Idp, login.Pid)}/{act}", new { reason = "Lost phone, ticket 42" });

        status.Should().Be(204, body.ToString());
        await LogoutReceiver.ValidateAsync(Idp, await ToldOnceAsync(login));
    }

    [Fact]
    public async Task PersonReplacesTheirAuthenticator_TheOtherSessionsAppIsTold()
    {
        var login = await BackChannelIdp.LogInToAppAsync(Idp);
        var owner = Idp.NewBrowser();
        var page = await owner.GetAsync(IdpHost.Origin + "/account/new-code");
        var simulator = await owner.SubmitAsync(page, "form[method=post]");
        var enroll = await owner.SubmitAsync(simulator, values: new Dictionary<string, string> { ["sim_pid"] = login.Pid, ["sim_acr"] = Flows.Substantial });

        (await Flows.AnswerSecondFactorAsync(owner, enroll, login.Pid)).Address.AbsolutePath.Should().Be("/");

        await LogoutReceiver.ValidateAsync(Idp, await ToldOnceAsync(login));
    }

    [Fact]
    public async Task AppDisabled_OnlyThatAppIsTold_AndTheSessionGoesOnForTheOthers()
    {
        var admin = await AdminApi.LogInAsync(Idp, "admin");
        var clientId = "other-" + Guid.NewGuid().ToString("N")[..8];
        var (created, app, _) = await AdminApi.SendAsync(Idp, admin.AccessToken, HttpMethod.Post, "/api/admin/apps", new
        {
            clientId,
            displayName = "Another research app",
            redirectUris = new[] { IdpHost.AppOrigin + "/other/callback" },
            scopes = new[] { "openid", "offline_access" },
            backChannelLogoutUri = IdpHost.AppOrigin + LogoutReceiver.OtherPath,
            reason = "New study",
        });
        created.Should().Be(201, app.ToString());
        app.GetProperty("backChannelLogoutUri").GetString().Should().Be(IdpHost.AppOrigin + LogoutReceiver.OtherPath);
        var login = await BackChannelIdp.LogInToAppAsync(Idp);
        var pkce = Pkce.New();
        await login.Browser.GetAsync(Flows.AuthorizeUrl(clientId, IdpHost.AppOrigin + "/other/callback", "openid offline_access", pkce));
        using (var backchannel = Idp.NewBackchannel())
        {
            (await Flows.RedeemCodeAsync(backchannel, Flows.RedirectParameters(login.Browser)["code"], pkce, clientId,
                app.GetProperty("clientSecret").GetString()!, IdpHost.AppOrigin + "/other/callback")).Status.Should().Be(200);
        }

        (await AdminApi.SendAsync(Idp, admin.AccessToken, HttpMethod.Post, $"/api/admin/apps/{clientId}/disable", new { reason = "Study closed" })).Status.Should().Be(204);
        await BackChannelIdp.DeliverAsync(Idp);

        await LogoutReceiver.ValidateAsync(Idp, Receiver.For(login.Sid, LogoutReceiver.OtherPath).Should().ContainSingle().Subject, clientId);
        Receiver.For(login.Sid).Should().BeEmpty("the session goes on: the other app is not told");
        (await BackChannelIdp.RefreshStatusAsync(Idp, login.RefreshToken)).Should().Be(200, "the other app's tokens stay");
    }

    [Fact]
    public async Task AppWithoutABackChannelUri_IsNotTold_ButItsRefreshTokenEndsWithTheSession()
    {
        var browser = await LoggedInAsync();
        var (access, refresh) = await AdminApi.TokensAsync(Idp, browser, "openid offline_access", IdpHost.AdminClientId);
        access.Should().NotBeNull();

        await browser.SubmitAsync(await browser.GetAsync(IdpHost.Origin + "/"), "form[action='/account/logout']");

        using var backchannel = Idp.NewBackchannel();
        var (status, _) = await Flows.TokenAsync(backchannel, new Dictionary<string, string> { ["grant_type"] = "refresh_token", ["refresh_token"] = refresh! },
            IdpHost.AdminClientId, IdpHost.AdminSecret);
        status.Should().Be(400, "refresh tokens end with the session they were issued in");
        (await AdminApi.InScopeAsync(Idp, s => s.GetRequiredService<IdpDbContext>().LogoutNotifications.CountAsync(n => n.ClientId == IdpHost.AdminClientId)))
            .Should().Be(0, "an app without a back-channel logout URI has nothing to be sent");
    }

    private async Task<TestBrowser> LoggedInAsync()
    {
        var browser = Idp.NewBrowser();
        (await Flows.LogInAtIdPortenAsync(browser, await browser.GetAsync(IdpHost.Origin + "/account/login"), Flows.NewPid())).Address.AbsolutePath.Should().Be("/");
        return browser;
    }

    /// <summary>Delivers the outbox; the app got exactly one logout token for the session, and its refresh token is refused.</summary>
    private async Task<string> ToldOnceAsync(AppLogin login)
    {
        await BackChannelIdp.DeliverAsync(Idp);
        await BackChannelIdp.DeliverAsync(Idp);
        var token = Receiver.For(login.Sid).Should().ContainSingle("the app is told once that session {0} ended", login.Sid).Subject;
        (await BackChannelIdp.RefreshStatusAsync(Idp, login.RefreshToken)).Should().Be(400, "the refresh token ended with the session");
        return token;
    }
}
