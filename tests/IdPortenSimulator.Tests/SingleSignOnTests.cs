using System.Net;

namespace Educloud.IdPortenSimulator.Tests;

/// <summary>ID-porten's single sign-on (docs.digdir.no oidc_protocol_sso), and cancel.</summary>
public sealed class SingleSignOnTests : SimulatorTestBase
{
    /// <summary>Logs in with the page; returns the session cookie and the id_token's auth_time.</summary>
    private async Task<(string Cookie, long AuthTime)> LogInAsync(string clientId = SimulatorHost.ClientId, string acr = "idporten-loa-substantial")
    {
        var verifier = SimulatorHost.NewVerifier();
        using var response = await Host.LoginAsync(SimulatorHost.AuthorizeParameters(verifier, clientId), acr: acr);
        response.StatusCode.Should().Be(HttpStatusCode.Redirect);
        var cookie = SimulatorHost.SessionCookie(response);
        cookie.Should().NotBeNull();
        return (cookie!, await AuthTimeAsync(SimulatorHost.RedirectParameters(response)["code"], verifier));
    }

    private async Task<long> AuthTimeAsync(string code, string verifier)
    {
        using var token = await Host.RedeemWithBasicAsync(code, verifier);
        var idToken = await ValidateIdTokenAsync((await SimulatorHost.JsonAsync(token)).GetProperty("id_token").GetString()!);
        return long.Parse(idToken.GetClaim("auth_time").Value, System.Globalization.CultureInfo.InvariantCulture);
    }

    private Task<HttpResponseMessage> AuthorizeAgainAsync(string? cookie, string verifier, Dictionary<string, string?>? changes = null) =>
        Host.GetAuthorizeAsync(SimulatorHost.AuthorizeParameters(verifier, changes: changes), cookie);

    [Fact]
    public async Task SecondAuthorization_WithinTheSession_ReturnsACodeAtOnceWithTheOriginalAuthTime()
    {
        var (cookie, authTime) = await LogInAsync();
        Host.Time.Advance(TimeSpan.FromMinutes(5));
        var verifier = SimulatorHost.NewVerifier();

        using var response = await AuthorizeAgainAsync(cookie, verifier);

        response.StatusCode.Should().Be(HttpStatusCode.Redirect);
        var back = SimulatorHost.RedirectParameters(response);
        back["state"].Should().Be("state-123");
        back["iss"].Should().Be(SimulatorHost.Issuer);
        (await AuthTimeAsync(back["code"], verifier)).Should().Be(authTime);
    }

    [Fact]
    public async Task SecondAuthorization_WithoutTheCookie_ShowsThePage()
    {
        await LogInAsync();

        using var response = await AuthorizeAgainAsync(cookie: null, SimulatorHost.NewVerifier());

        response.StatusCode.Should().Be(HttpStatusCode.OK);
    }

    [Fact]
    public async Task SecondAuthorization_WithPromptLogin_ShowsThePage()
    {
        var (cookie, _) = await LogInAsync();

        using var response = await AuthorizeAgainAsync(cookie, SimulatorHost.NewVerifier(), new() { ["prompt"] = "login" });

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        (await response.Content.ReadAsStringAsync()).Should().Contain("name=\"sim_tx\"");
    }

    [Fact]
    public async Task SecondAuthorization_OlderThanMaxAge_ShowsThePage()
    {
        var (cookie, _) = await LogInAsync();
        Host.Time.Advance(TimeSpan.FromSeconds(61));

        using var response = await AuthorizeAgainAsync(cookie, SimulatorHost.NewVerifier(), new() { ["max_age"] = "60" });

        response.StatusCode.Should().Be(HttpStatusCode.OK);
    }

    [Fact]
    public async Task SecondAuthorization_AskingAHigherLevelThanTheSessionHas_ShowsThePage()
    {
        var (cookie, _) = await LogInAsync();

        using var response = await AuthorizeAgainAsync(cookie, SimulatorHost.NewVerifier(), new() { ["acr_values"] = "idporten-loa-high" });

        response.StatusCode.Should().Be(HttpStatusCode.OK);
    }

    [Fact]
    public async Task SecondAuthorization_AfterTheIdleTimeout_ShowsThePage()
    {
        var (cookie, _) = await LogInAsync();
        Host.Time.Advance(TimeSpan.FromMinutes(31));

        using var response = await AuthorizeAgainAsync(cookie, SimulatorHost.NewVerifier());

        response.StatusCode.Should().Be(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Session_UsedWithinTheIdleTimeout_LastsUntilItsLifetime()
    {
        var (cookie, _) = await LogInAsync();
        for (var i = 0; i < 4; i++)
        {
            Host.Time.Advance(TimeSpan.FromMinutes(29));
            using var again = await AuthorizeAgainAsync(cookie, SimulatorHost.NewVerifier());
            again.StatusCode.Should().Be(HttpStatusCode.Redirect, "each use keeps the session alive for 30 more minutes");
        }

        Host.Time.Advance(TimeSpan.FromMinutes(5));

        using var response = await AuthorizeAgainAsync(cookie, SimulatorHost.NewVerifier());
        response.StatusCode.Should().Be(HttpStatusCode.OK, "120 minutes after the login the session is over whatever happens");
    }

    [Fact]
    public async Task PromptNone_WithoutASession_ReturnsLoginRequiredWithStateAndIss()
    {
        using var response = await AuthorizeAgainAsync(cookie: null, SimulatorHost.NewVerifier(), new() { ["prompt"] = "none" });

        response.StatusCode.Should().Be(HttpStatusCode.Redirect);
        var back = SimulatorHost.RedirectParameters(response);
        back["error"].Should().Be("login_required");
        back["state"].Should().Be("state-123");
        back["iss"].Should().Be(SimulatorHost.Issuer);
    }

    [Fact]
    public async Task PromptNone_WithASession_ReturnsACodeAtOnce()
    {
        var (cookie, _) = await LogInAsync();

        using var response = await AuthorizeAgainAsync(cookie, SimulatorHost.NewVerifier(), new() { ["prompt"] = "none" });

        response.StatusCode.Should().Be(HttpStatusCode.Redirect);
        SimulatorHost.RedirectParameters(response).Should().ContainKey("code");
    }

    [Fact]
    public async Task Cancel_OnThePage_ReturnsAccessDeniedWithStateAndIss()
    {
        using var page = await Host.GetAuthorizeAsync(SimulatorHost.AuthorizeParameters(SimulatorHost.NewVerifier()));
        var form = SimulatorHost.HiddenFields(await page.Content.ReadAsStringAsync());
        form["sim_cancel"] = "1";

        using var response = await Host.PostFormAsync("/idporten-sim/authorize", form);

        response.StatusCode.Should().Be(HttpStatusCode.Redirect);
        response.Headers.Location!.GetLeftPart(UriPartial.Path).Should().Be(SimulatorHost.RedirectUri);
        var back = SimulatorHost.RedirectParameters(response);
        back["error"].Should().Be("access_denied");
        back["state"].Should().Be("state-123");
        back["iss"].Should().Be(SimulatorHost.Issuer);
        back.Should().NotContainKey("code");
        SimulatorHost.SessionCookie(response).Should().BeNull();
    }
}
