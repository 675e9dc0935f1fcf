using Educloud.Idp.Connect;
using Educloud.Idp.Tests.Federation.Digdir;
using Educloud.Idp.Tests.Infrastructure;

namespace Educloud.ResearchApp.Tests;

/// <summary>
/// Issue 12: whichever way an IdP session ends, the sample app (a relying party with its own cookie
/// session and back-channel logout endpoint) is told: its session is gone (its home page asks to log
/// in again) and its refresh token is refused. The IdP's outbox is delivered by the test
/// (LogoutSender.DeliverDueAsync) into the sample's TestServer.
/// </summary>
public sealed class SampleSessionEndTests(ResearchAppFixture fixture) : IClassFixture<ResearchAppFixture>
{
    [Fact]
    public async Task LogoutFromTheApp_AppSessionGone_RefreshTokenRefused()
    {
        var person = await LoggedInAsync(fixture);

        var atIdPorten = await person.Browser.SubmitAsync(person.Home, "form#logout-form");
        await person.Browser.GetAsync(atIdPorten.Document.QuerySelector("a[href]")!.GetAttribute("href")!);
        await fixture.Sender.DeliverDueAsync();

        await ShouldBeGoneAsync(fixture, person);
    }

    [Fact]
    public async Task LogoutOnTheIdpsStartPage_AppIsTold()
    {
        var person = await LoggedInAsync(fixture);
        var start = await person.Browser.GetAsync(IdpHost.Origin + "/");

        var atIdPorten = await person.Browser.SubmitAsync(start, "form[action='/account/logout']");
        atIdPorten.Address.AbsolutePath.Should().StartWith("/idporten-sim/", atIdPorten.Body);

        await ShouldBeToldAsync(fixture, person);
    }

    [Fact]
    public async Task IdPortenBackChannelLogout_AfterLogoutAtAnotherService_AppIsTold()
    {
        var person = await LoggedInAsync(fixture);
        // The person uses another service of ID-porten in the same browser (single sign-on), then logs out there:
        // ID-porten ends its session and tells the IdP by back-channel logout (the front-channel frame is not loaded here).
        var service = new OtherService(fixture.Idp);
        var login = await service.StartAsync(person.Browser);
        var idToken = await service.RedeemAsync(person.Browser, login);
        await OtherService.LogOutAsync(person.Browser, idToken);

        await ShouldBeToldAsync(fixture, person);
    }

    [Fact]
    public async Task SupportEndsTheSessions_AppIsTold()
    {
        var person = await LoggedInAsync(fixture);
        var support = await AdminApi.LogInAsync(fixture.Idp, AdminRoles.Support);

        var (status, body, _) = await AdminApi.SendAsync(fixture.Idp, support.AccessToken, HttpMethod.Post, $"/api/admin/users/{person.UserId}/sessions/end",
            new { reason = "called support: shared lab machine" });
        status.Should().Be(204, body.ToString());

        await ShouldBeToldAsync(fixture, person);
    }

    [Fact]
    public async Task SupportRevokesTheAuthenticator_AppIsTold()
    {
        var person = await LoggedInAsync(fixture);
        var support = await AdminApi.LogInAsync(fixture.Idp, AdminRoles.Support);

        var (status, body, _) = await AdminApi.SendAsync(fixture.Idp, support.AccessToken, HttpMethod.Post, $"/api/admin/users/{person.UserId}/authenticator/revoke",
            new { reason = "phone stolen" });
        status.Should().Be(204, body.ToString());

        await ShouldBeToldAsync(fixture, person);
    }

    [Fact]
    public async Task IdleTimeout_PersonComesBackToTheIdp_AppIsTold()
    {
        // This test moves time: its own IdP and app.
        await using var pair = await ResearchAppFixture.StartAsync();
        var person = await LoggedInAsync(pair);

        pair.Clock.Advance(TimeSpan.FromMinutes(31));
        // The IdP's cookie has idled out; the first page the person opens there ends the session
        // (and ID-porten's: TimedOutSession).
        var page = await person.Browser.GetAsync(IdpHost.Origin + "/");
        page.Address.AbsolutePath.Should().StartWith("/idporten-sim/", page.Body);

        await ShouldBeToldAsync(pair, person, touchAppFirst: false);
    }

    [Fact]
    public async Task AbsoluteTimeout_TheSendersSweepEndsTheSession_AppIsTold()
    {
        // This test moves time: its own IdP and app.
        await using var pair = await ResearchAppFixture.StartAsync(new Dictionary<string, string?> { ["Session:AbsoluteTimeout"] = "01:00:00" });
        var person = await LoggedInAsync(pair);

        pair.Clock.Advance(TimeSpan.FromMinutes(61));
        (await pair.Sender.EndTimedOutSessionsAsync(CancellationToken.None)).Should().BeGreaterThanOrEqualTo(1);

        await ShouldBeToldAsync(pair, person, touchAppFirst: false);
    }

    [Fact]
    public async Task AppDisabled_AppIsTold_ItsSessionIsGone()
    {
        // Only apps registered through the admin API can be disabled (configured ones are changed in
        // configuration): the sample registered that way, with the secret the IdP generated.
        await using var pair = await ResearchAppFixture.StartAsync();
        var admin = await AdminApi.LogInAsync(pair.Idp, AdminRoles.Admin);
        const string clientId = "research-app-registered";
        var (status, body, _) = await AdminApi.SendAsync(pair.Idp, admin.AccessToken, HttpMethod.Post, "/api/admin/apps", new
        {
            clientId,
            displayName = "Sample research app (registered through the admin API)",
            tokenEndpointAuthMethod = "client_secret_post",
            redirectUris = new[] { ResearchAppHost.Origin + "/signin-oidc" },
            postLogoutRedirectUris = new[] { ResearchAppHost.Origin + "/signout-callback-oidc" },
            scopes = new[] { "openid", "profile", "offline_access" },
            backChannelLogoutUri = ResearchAppHost.BackChannelLogoutUri,
            backChannelLogoutSessionRequired = true,
            reason = "a research app",
        });
        status.Should().Be(201, body.ToString());
        var secret = body.GetProperty("clientSecret").GetString()!;
        await using var app = pair.NewApp(new Dictionary<string, string?> { ["Idp:ClientId"] = clientId, ["Idp:ClientSecret"] = secret });
        pair.LogoutTarget = app;
        var person = await LoggedInAsync(pair, app);

        (status, body, _) = await AdminApi.SendAsync(pair.Idp, admin.AccessToken, HttpMethod.Post, $"/api/admin/apps/{clientId}/disable", new { reason = "study over" });
        status.Should().Be(204, body.ToString());

        HomePage.AsksToLogIn(await pair.HomeAsync(person.Browser)).Should().BeFalse("nothing has told the app yet");
        (await pair.Sender.DeliverDueAsync()).Should().Be(1);
        await ShouldBeGoneAsync(pair, person, clientId, secret, "invalid_client");
    }

    /// <summary>A person logged in to the sample app: their browser, the app's home page, who they are and the app's refresh token.</summary>
    private sealed record Person(TestBrowser Browser, BrowserPage Home, string UserId, string RefreshToken);

    private static async Task<Person> LoggedInAsync(ResearchAppFixture pair, ResearchAppHost? app = null)
    {
        app ??= pair.App;
        var (browser, home, pid) = await pair.LogInAsync(app);
        HomePage.AsksToLogIn(home).Should().BeFalse();
        var refreshToken = app.Logins.Last().RefreshToken;
        refreshToken.Should().NotBeNull("the sample asks for offline_access");
        return new Person(browser, home, await AdminApi.UserIdAsync(pair.Idp, pid), refreshToken!);
    }

    /// <summary>
    /// The session ended at the IdP: until the IdP's logout token is delivered the app's session lives
    /// (so what follows is the delivery's doing); then it is gone and its refresh token refused.
    /// </summary>
    private static async Task ShouldBeToldAsync(ResearchAppFixture pair, Person person, bool touchAppFirst = true, string clientId = ResearchAppHost.ClientId, string secret = ResearchAppHost.Secret)
    {
        if (touchAppFirst)
        {
            HomePage.AsksToLogIn(await pair.HomeAsync(person.Browser)).Should().BeFalse("nothing has told the app yet");
        }

        var delivered = await pair.Sender.DeliverDueAsync();

        delivered.Should().Be(1, "one logout token, to the one app of the session");
        await ShouldBeGoneAsync(pair, person, clientId, secret);
    }

    /// <param name="refusal">The token endpoint's error: invalid_grant (the login was revoked), or invalid_client for a disabled app.</param>
    private static async Task ShouldBeGoneAsync(ResearchAppFixture pair, Person person, string clientId = ResearchAppHost.ClientId, string secret = ResearchAppHost.Secret, string refusal = "invalid_grant")
    {
        HomePage.AsksToLogIn(await pair.HomeAsync(person.Browser)).Should().BeTrue("the app's session is gone");
        using var backchannel = pair.Idp.NewBackchannel();
        var (status, body) = await Flows.TokenAsync(backchannel, new Dictionary<string, string>
        {
            ["grant_type"] = "refresh_token",
            ["refresh_token"] = person.RefreshToken,
        }, clientId, secret);
        status.Should().BeOneOf([400, 401], body.ToString());
        body.GetProperty("error").GetString().Should().Be(refusal);
    }
}
