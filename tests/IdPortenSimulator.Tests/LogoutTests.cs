using System.Net;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Educloud.IdPortenSimulator.Tests;

/// <summary>Back-channel logout (OpenID Connect Back-Channel Logout 1.0), and logout started at another service (Digdir's test 7).</summary>
public sealed partial class LogoutTests : SimulatorTestBase
{
    /// <summary>Logs in with the page and redeems; returns the id_token and the session cookie.</summary>
    private async Task<(JsonWebToken IdToken, string Raw, string Cookie)> LogInAsync(string? cookie = null)
    {
        var verifier = SimulatorHost.NewVerifier();
        using var response = await Host.LoginAsync(SimulatorHost.AuthorizeParameters(verifier), cookie: cookie);
        using var token = await Host.RedeemWithBasicAsync(SimulatorHost.RedirectParameters(response)["code"], verifier);
        var raw = (await SimulatorHost.JsonAsync(token)).GetProperty("id_token").GetString()!;
        return (await ValidateIdTokenAsync(raw), raw, SimulatorHost.SessionCookie(response)!);
    }

    private async Task<JsonWebToken> ValidLogoutTokenAsync(string logoutToken)
    {
        var jwks = new JsonWebKeySet(await Client.GetStringAsync("/idporten-sim/jwks"));
        var result = await new JsonWebTokenHandler().ValidateTokenAsync(logoutToken, new TokenValidationParameters
        {
            ValidIssuer = SimulatorHost.Issuer,
            ValidAudience = SimulatorHost.ClientId,
            IssuerSigningKeys = jwks.GetSigningKeys(),
            ValidAlgorithms = [SecurityAlgorithms.RsaSha256],
            ValidTypes = ["logout+jwt"],
            ValidateLifetime = false,
        });
        result.IsValid.Should().BeTrue(result.Exception?.Message);
        return (JsonWebToken)result.SecurityToken;
    }

    [Fact]
    public async Task EndSession_PostsASignedLogoutTokenToTheBackChannelClient()
    {
        var (idToken, raw, _) = await LogInAsync();

        using var response = await Client.GetAsync(QueryHelpers.AddQueryString("/idporten-sim/endsession", "id_token_hint", raw));

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        var (uri, form) = Host.BackChannel.Requests.Single();
        uri.AbsoluteUri.Should().Be(SimulatorHost.BackChannelLogoutUri);
        var token = await ValidLogoutTokenAsync(form["logout_token"]);
        token.GetClaim("sid").Value.Should().Be(idToken.GetClaim("sid").Value);
        token.Subject.Should().Be(idToken.Subject);
        token.Id.Should().NotBeNullOrEmpty();
        token.IssuedAt.Should().Be(Host.Time.GetUtcNow().UtcDateTime.AddTicks(-(Host.Time.GetUtcNow().UtcTicks % TimeSpan.TicksPerSecond)));
        token.ValidTo.Should().BeAfter(token.IssuedAt).And.BeOnOrBefore(token.IssuedAt.AddMinutes(2));
        token.TryGetPayloadValue<Dictionary<string, object>>("events", out var events).Should().BeTrue();
        events.Keys.Should().Equal("http://schemas.openid.net/event/backchannel-logout");
        token.TryGetClaim("nonce", out _).Should().BeFalse();
    }

    [Fact]
    public async Task EndSession_WhenTheBackChannelClientFails_StillLogsOut()
    {
        var (_, raw, _) = await LogInAsync();
        Host.BackChannel.Status = HttpStatusCode.InternalServerError;

        using var response = await Client.GetAsync(QueryHelpers.AddQueryString("/idporten-sim/endsession", "id_token_hint", raw));

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        Host.BackChannel.Requests.Should().ContainSingle("ID-porten makes one attempt and does not retry");
    }

    [Fact]
    public async Task EndSession_ByTheCookieAlone_EndsTheBrowsersSession()
    {
        var (_, _, cookie) = await LogInAsync();

        using var response = await Host.GetAsync("/idporten-sim/endsession", cookie);

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        Host.BackChannel.Requests.Should().ContainSingle();
        using var again = await Host.GetAuthorizeAsync(SimulatorHost.AuthorizeParameters(SimulatorHost.NewVerifier()), cookie);
        again.StatusCode.Should().Be(HttpStatusCode.OK, "the session is over, so the page is shown again");
    }

    [Fact]
    public async Task LogoutElsewhere_EndsTheSessionWithFrontAndBackChannelLogout()
    {
        var (idToken, _, cookie) = await LogInAsync();

        using var response = await Host.GetAsync("/idporten-sim/logout-elsewhere", cookie);

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        var html = await response.Content.ReadAsStringAsync();
        var iframe = new Uri(WebUtility.HtmlDecode(IframeSrc().Match(html).Groups[1].Value));
        iframe.GetLeftPart(UriPartial.Path).Should().Be(SimulatorHost.FrontChannelLogoutUri);
        QueryHelpers.ParseQuery(iframe.Query)["sid"].ToString().Should().Be(idToken.GetClaim("sid").Value);
        Host.BackChannel.Requests.Should().ContainSingle();
        using var silent = await Host.GetAuthorizeAsync(SimulatorHost.AuthorizeParameters(SimulatorHost.NewVerifier(), changes: new() { ["prompt"] = "none" }), cookie);
        SimulatorHost.RedirectParameters(silent)["error"].Should().Be("login_required");
    }

    [Fact]
    public async Task LogoutElsewhere_WithoutASession_ShowsTheNoSessionPage()
    {
        using var response = await Client.GetAsync("/idporten-sim/logout-elsewhere");

        response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        Host.BackChannel.Requests.Should().BeEmpty();
    }

    [Fact]
    public async Task EndSessionsOf_APerson_EndsThemAndTellsTheBackChannelClient()
    {
        var (idToken, _, cookie) = await LogInAsync();
        var pid = SyntheticPersons.All[0].Pid;
        Host.Sessions.CountFor(pid).Should().Be(1);

        var ended = await Host.Sessions.EndSessionsOfAsync(pid, SimulatorHost.Issuer);

        ended.Should().Equal(idToken.GetClaim("sid").Value);
        Host.Sessions.CountFor(pid).Should().Be(0);
        (await ValidLogoutTokenAsync(Host.BackChannel.Requests.Single().Form["logout_token"])).GetClaim("sid").Value.Should().Be(ended[0]);
        using var silent = await Host.GetAuthorizeAsync(SimulatorHost.AuthorizeParameters(SimulatorHost.NewVerifier(), changes: new() { ["prompt"] = "none" }), cookie);
        SimulatorHost.RedirectParameters(silent)["error"].Should().Be("login_required");
    }

    [Fact]
    public async Task EndSession_TellsEveryClientInTheSession()
    {
        var (_, _, cookie) = await LogInAsync();
        var verifier = SimulatorHost.NewVerifier();
        using var sso = await Host.GetAuthorizeAsync(SimulatorHost.AuthorizeParameters(verifier, SimulatorHost.JwtClientId), cookie);
        sso.StatusCode.Should().Be(HttpStatusCode.Redirect, "the second client gets single sign-on");

        // The logout starts at the second client (which has no logout URIs), and the first is told.
        using var response = await Host.GetAsync(QueryHelpers.AddQueryString("/idporten-sim/endsession", "client_id", SimulatorHost.JwtClientId), cookie);

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        (await response.Content.ReadAsStringAsync()).Should().Contain(WebUtility.HtmlEncode(SimulatorHost.FrontChannelLogoutUri));
        Host.BackChannel.Requests.Should().ContainSingle().Which.Uri.AbsoluteUri.Should().Be(SimulatorHost.BackChannelLogoutUri);
    }

    [GeneratedRegex("<iframe src=\"([^\"]+)\"")]
    private static partial Regex IframeSrc();
}
