using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Educloud.Idp.Tests.Infrastructure;
using Microsoft.AspNetCore.WebUtilities;

namespace Educloud.Idp.Tests.Connect;

/// <summary>
/// What the OpenID Connect server must refuse (docs/architecture.md "Protocol", RFC 9700, ASVS 5 V10).
/// Requests OpenIddict rejects while validating them are answered with the IdP's error page (400) and never
/// redirected, not even to a registered redirect_uri (docs/decisions.md); errors decided after validation
/// (login_required) go back to the app with iss (RFC 9207).
/// </summary>
public sealed class ProtocolRefusalTests(IdpFixture fixture) : IClassFixture<IdpFixture>
{
    private const string AppRedirect = IdpHost.AppOrigin + "/signin-oidc";

    private IdpHost Idp => fixture.Idp;

    [Fact]
    public async Task AuthorizeWithoutCodeChallenge_IsRefusedWithInvalidRequest()
    {
        // PKCE is required for every client (RFC 9700 2.1.1), confidential ones too.
        await AssertErrorPageAsync(Flows.AuthorizeUrl(extra: new Dictionary<string, string?>
        {
            ["code_challenge"] = null,
            ["code_challenge_method"] = null,
        }), "invalid_request", "code_challenge");
    }

    [Theory]
    [InlineData("plain")]
    [InlineData(null)]
    public async Task AuthorizeWithPlainOrDefaultCodeChallengeMethod_IsRefused(string? method)
    {
        // Without code_challenge_method the default would be plain (RFC 7636 4.3): refused too.
        var pkce = Pkce.New();
        await AssertErrorPageAsync(Flows.AuthorizeUrl(pkce: pkce, extra: new Dictionary<string, string?>
        {
            ["code_challenge"] = pkce.Verifier,
            ["code_challenge_method"] = method,
        }), "invalid_request", "code_challenge_method");
    }

    [Fact]
    public async Task TokenRequestWithWrongCodeVerifier_FailsWithInvalidGrant()
    {
        var code = await CodeAsync(Pkce.New());
        using var backchannel = Idp.NewBackchannel();

        var (status, body) = await Flows.RedeemCodeAsync(backchannel, code, Pkce.New());

        status.Should().Be(400, body.ToString());
        body.GetProperty("error").GetString().Should().Be("invalid_grant");
        body.TryGetProperty("access_token", out _).Should().BeFalse();
    }

    [Fact]
    public async Task TokenRequestWithoutCodeVerifier_IsRefused()
    {
        var code = await CodeAsync(Pkce.New());
        using var backchannel = Idp.NewBackchannel();

        var (status, body) = await Flows.TokenAsync(backchannel, new Dictionary<string, string>
        {
            ["grant_type"] = "authorization_code",
            ["code"] = code,
            ["redirect_uri"] = AppRedirect,
        }, IdpHost.AppClientId, IdpHost.AppSecret);

        status.Should().Be(400, body.ToString());
        body.GetProperty("error").GetString().Should().BeOneOf("invalid_request", "invalid_grant");
        body.TryGetProperty("access_token", out _).Should().BeFalse();
    }

    [Theory]
    [InlineData("https://evil.test/signin-oidc")]
    [InlineData("https://app.test/signin-oidc/")]
    [InlineData("https://app.test/SIGNIN-OIDC")]
    [InlineData("https://APP.test/signin-oidc")]
    [InlineData("https://app.test:443/signin-oidc")]
    [InlineData("https://app.test/signin-oidc?next=/")]
    [InlineData("http://app.test/signin-oidc")]
    [InlineData("https://app.test/signout-callback-oidc")]
    public async Task AuthorizeWithUnregisteredRedirectUri_ShowsErrorPage_AndNeverRedirects(string redirectUri)
    {
        // Exact string matching (RFC 9700 4.1.3): equivalent URIs (case of the host, default port) are refused too.
        var browser = await fixture.LoggedInBrowserAsync(Flows.NewPid());

        await AssertErrorPageAsync(Flows.AuthorizeUrl(redirectUri: redirectUri), "invalid_request", "redirect_uri", browser);
    }

    [Theory]
    [InlineData("token")]
    [InlineData("id_token token")]
    [InlineData("id_token")]
    [InlineData("code id_token")]
    [InlineData("code token")]
    public async Task AuthorizeWithImplicitOrHybridResponseType_IsRefused_AndNoTokenLeaves(string responseType)
    {
        // A logged-in browser: if the IdP answered at all, it would have a token to put in the URL.
        var browser = await fixture.LoggedInBrowserAsync(Flows.NewPid());

        await AssertErrorPageAsync(Flows.AuthorizeUrl(extra: new Dictionary<string, string?> { ["response_type"] = responseType }),
            "unsupported_response_type", "response_type", browser);
    }

    [Fact]
    public async Task AuthorizeWithUnknownClientId_ShowsErrorPage_AndNeverRedirects()
    {
        await AssertErrorPageAsync(Flows.AuthorizeUrl(clientId: "no-such-app"), "invalid_request", "client_id");
    }

    [Fact]
    public async Task TokenRequestWithWrongClientSecret_FailsWithInvalidClient()
    {
        var pkce = Pkce.New();
        var code = await CodeAsync(pkce);
        using var backchannel = Idp.NewBackchannel();

        var (status, body) = await Flows.RedeemCodeAsync(backchannel, code, pkce, secret: IdpHost.AppSecret + "x");

        status.Should().Be(401, body.ToString());
        body.GetProperty("error").GetString().Should().Be("invalid_client");
        body.TryGetProperty("access_token", out _).Should().BeFalse();
    }

    [Fact]
    public async Task PasswordGrant_FailsWithUnsupportedGrantType()
    {
        using var backchannel = Idp.NewBackchannel();

        var (status, body) = await Flows.TokenAsync(backchannel, new Dictionary<string, string>
        {
            ["grant_type"] = "password",
            ["username"] = "someone",
            ["password"] = "secret",
            ["scope"] = "openid",
        }, IdpHost.AppClientId, IdpHost.AppSecret);

        status.Should().Be(400, body.ToString());
        body.GetProperty("error").GetString().Should().Be("unsupported_grant_type");
    }

    [Fact]
    public async Task SuccessfulAuthorizationResponse_CarriesIss()
    {
        var browser = await fixture.LoggedInBrowserAsync(Flows.NewPid());
        var url = Flows.AuthorizeUrl();

        await browser.GetAsync(url);

        var response = Flows.RedirectParameters(browser);
        response.Should().ContainKey("code");
        response["state"].Should().Be(QueryOf(url)["state"]);
        response["iss"].Should().Be(IdpHost.Origin + "/", "RFC 9207: the app checks that the code came from this IdP");
    }

    [Fact]
    public async Task PromptNoneWithoutSession_RedirectsLoginRequiredWithIss()
    {
        var browser = Idp.NewBrowser();
        var url = Flows.AuthorizeUrl(extra: new Dictionary<string, string?> { ["prompt"] = "none" });

        await browser.GetAsync(url);

        browser.LeftTo!.GetLeftPart(UriPartial.Path).Should().Be(AppRedirect);
        var response = Flows.RedirectParameters(browser);
        response["error"].Should().Be("login_required");
        response["state"].Should().Be(QueryOf(url)["state"]);
        response["iss"].Should().Be(IdpHost.Origin + "/", "RFC 9207: error responses carry iss too");
        response.Should().NotContainKey("code");
    }

    [Fact]
    public async Task PromptLoginWithSession_AsksForAFreshLoginAtIdPorten_ThenGivesACode()
    {
        var pid = Flows.NewPid();
        var browser = await fixture.LoggedInBrowserAsync(pid);

        var login = await browser.GetAsync(Flows.AuthorizeUrl(extra: new Dictionary<string, string?> { ["prompt"] = "login" }));

        browser.LeftTo.Should().BeNull("the session must not be reused");
        await AssertFreshLoginGivesCodeAsync(browser, login, pid);
    }

    [Fact]
    public async Task MaxAgeZeroWithSession_AsksForAFreshLogin_ThenGivesACode()
    {
        // OIDC Core 3.1.2.1: max_age=0 is a re-authentication on every request.
        var pid = Flows.NewPid();
        var browser = await fixture.LoggedInBrowserAsync(pid);

        var login = await browser.GetAsync(Flows.AuthorizeUrl(extra: new Dictionary<string, string?> { ["max_age"] = "0" }));

        browser.LeftTo.Should().BeNull("the session is older than max_age");
        await AssertFreshLoginGivesCodeAsync(browser, login, pid);
    }

    [Fact]
    public async Task MaxAgeZeroWithoutSession_LogsInOnce_ThenGivesACode()
    {
        // The login just made is as fresh as it gets; asking again would loop forever.
        var browser = Idp.NewBrowser();
        var login = await browser.GetAsync(Flows.AuthorizeUrl(extra: new Dictionary<string, string?> { ["max_age"] = "0" }));

        await Flows.LogInAtIdPortenAsync(browser, login, Flows.NewPid());

        Flows.RedirectParameters(browser).Should().ContainKey("code");
    }

    [Theory]
    [InlineData("prompt", "login")]
    [InlineData("max_age", "0")]
    [InlineData("state", "other")]
    [InlineData("nonce", "other")]
    public async Task AuthorizeWithRepeatedParameter_IsRefused_InsteadOfIgnored(string name, string value)
    {
        // RFC 6749 3.1. Read as absent, a repeated prompt=login or max_age would give a code from the
        // existing session without the re-authentication the app asked for.
        var browser = await fixture.LoggedInBrowserAsync(Flows.NewPid());
        var url = Flows.AuthorizeUrl() + "&" + name + "=" + value + (name is "prompt" or "max_age" ? "&" + name + "=" + value : "");

        await AssertErrorPageAsync(url, "invalid_request", "repeated", browser);
    }

    [Fact]
    public async Task PushedAuthorizationRequest_GivesRequestUri_ThatAuthorizesWithACode()
    {
        var pkce = Pkce.New();
        var state = "state-" + Guid.NewGuid().ToString("N");
        using var backchannel = Idp.NewBackchannel();
        using var par = new HttpRequestMessage(HttpMethod.Post, "/connect/par")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["client_id"] = IdpHost.AppClientId,
                ["redirect_uri"] = AppRedirect,
                ["response_type"] = "code",
                ["scope"] = "openid profile",
                ["state"] = state,
                ["nonce"] = "nonce-" + Guid.NewGuid().ToString("N"),
                ["code_challenge"] = pkce.Challenge,
                ["code_challenge_method"] = "S256",
            }),
        };
        par.Headers.Authorization = new AuthenticationHeaderValue("Basic",
            Convert.ToBase64String(Encoding.UTF8.GetBytes($"{IdpHost.AppClientId}:{IdpHost.AppSecret}")));

        using var pushed = await backchannel.SendAsync(par);

        pushed.StatusCode.Should().Be(HttpStatusCode.Created);
        var body = JsonDocument.Parse(await pushed.Content.ReadAsStringAsync()).RootElement;
        var requestUri = body.GetProperty("request_uri").GetString()!;
        requestUri.Should().StartWith("urn:ietf:params:oauth:request_uri:");
        body.GetProperty("expires_in").GetInt32().Should().BePositive();

        var browser = await fixture.LoggedInBrowserAsync(Flows.NewPid());
        await browser.GetAsync(QueryHelpers.AddQueryString(IdpHost.Origin + "/connect/authorize",
            new Dictionary<string, string?> { ["client_id"] = IdpHost.AppClientId, ["request_uri"] = requestUri }));

        browser.LeftTo!.GetLeftPart(UriPartial.Path).Should().Be(AppRedirect);
        var response = Flows.RedirectParameters(browser);
        response["state"].Should().Be(state);
        var (status, tokens) = await Flows.RedeemCodeAsync(backchannel, response["code"], pkce);
        status.Should().Be(200, "the code is bound to the pushed code_challenge: {0}", tokens);
    }

    [Theory]
    [InlineData("https://evil.test/")]
    [InlineData(AppRedirect)]
    [InlineData(IdpHost.AppOrigin + "/signout-callback-oidc/")]
    public async Task EndSessionWithUnregisteredPostLogoutRedirectUri_ShowsErrorPage_AndKeepsTheSession(string postLogoutRedirectUri)
    {
        // No open redirect at logout either (security.md); the login is left alone.
        var browser = await fixture.LoggedInBrowserAsync(Flows.NewPid());
        var url = QueryHelpers.AddQueryString(IdpHost.Origin + "/connect/endsession",
            new Dictionary<string, string?> { ["post_logout_redirect_uri"] = postLogoutRedirectUri, ["state"] = "s" });

        await AssertErrorPageAsync(url, "invalid_request", "post_logout_redirect_uri", browser);

        await browser.GetAsync(Flows.AuthorizeUrl());
        Flows.RedirectParameters(browser).Should().ContainKey("code", "the refused logout must not have ended the session");
    }

    [Fact]
    public async Task EndSessionWithTamperedIdTokenHint_AsksBeforeLoggingOut()
    {
        // ASVS 5 10.6.2: without a valid id_token_hint for the logged-in person, a third party's link
        // must not end the session; the person is asked.
        var (browser, tokens) = await fixture.LogInWithCodeAsync(Flows.NewPid());
        var idToken = tokens.GetProperty("id_token").GetString()!;
        var tampered = idToken[..idToken.LastIndexOf('.')] + "." + new string('A', 86);
        var url = QueryHelpers.AddQueryString(IdpHost.Origin + "/connect/endsession", new Dictionary<string, string?>
        {
            ["id_token_hint"] = tampered,
            ["post_logout_redirect_uri"] = IdpHost.AppOrigin + "/signout-callback-oidc",
            ["state"] = "s",
        });

        var page = await browser.GetAsync(url);

        page.Status.Should().Be(HttpStatusCode.OK, page.Body);
        browser.LeftTo.Should().BeNull("nothing may happen before the person confirms");
        page.Document.QuerySelector("form button[name=confirm]").Should().NotBeNull(page.Body);
        await browser.GetAsync(Flows.AuthorizeUrl());
        Flows.RedirectParameters(browser).Should().ContainKey("code", "the session is still there");
    }

    /// <summary>
    /// The IdP's own error page: 400, no Location header at all (so no redirect anywhere), the OAuth error
    /// code shown, and nothing that left for an app.
    /// </summary>
    private async Task AssertErrorPageAsync(string url, string error, string mentions, TestBrowser? browser = null)
    {
        browser ??= Idp.NewBrowser();

        var page = await browser.SendAsync(new HttpRequestMessage(HttpMethod.Get, url), followRedirects: false);

        page.Status.Should().Be(HttpStatusCode.BadRequest, page.Body);
        page.Response.Headers.Location.Should().BeNull();
        browser.LeftTo.Should().BeNull();
        page.Document.QuerySelector(".error code")?.TextContent.Should().Be(error, page.Body);
        page.Document.QuerySelector(".error")!.TextContent.Should().Contain(mentions);
        page.Body.Should().NotContain("code=").And.NotContain("access_token").And.NotContain("id_token=");
    }

    private static async Task AssertFreshLoginGivesCodeAsync(TestBrowser browser, BrowserPage login, string pid)
    {
        login.Address.AbsolutePath.Should().Be("/account/login", login.Body);

        // ID-porten is asked for a new login too, or its own SSO session would answer for the person.
        var simulator = await browser.SubmitAsync(login);
        simulator.Address.AbsolutePath.Should().Be("/idporten-sim/authorize", simulator.Body);
        Flows.AskedOfIdPorten(simulator).Should().Contain("prompt=login");
        var next = await browser.SubmitAsync(simulator, values: new Dictionary<string, string>
        {
            ["sim_pid"] = pid,
            ["sim_pid_other"] = "",
            ["sim_acr"] = Flows.Substantial,
        });
        await Flows.AnswerSecondFactorAsync(browser, next, pid);

        Flows.RedirectParameters(browser).Should().ContainKey("code", "after the fresh login the app gets its code");
    }

    private async Task<string> CodeAsync(Pkce pkce)
    {
        var browser = await fixture.LoggedInBrowserAsync(Flows.NewPid());
        await browser.GetAsync(Flows.AuthorizeUrl(pkce: pkce));
        return Flows.RedirectParameters(browser)["code"];
    }

    private static Dictionary<string, string> QueryOf(string url) =>
        QueryHelpers.ParseQuery(new Uri(url).Query).ToDictionary(p => p.Key, p => p.Value.ToString());
}
