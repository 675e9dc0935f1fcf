using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Educloud.Idp.EndToEnd.Infrastructure;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Educloud.Idp.EndToEnd;

public sealed class BrowserLoginTests(EndToEndFixture fixture, ITestOutputHelper output) : EndToEndTest(fixture, output)
{
    /// <summary>Where the screenshot of the logged-in start page goes, for a person to look at.</summary>
    public static readonly string LoggedInScreenshot = Path.Combine(Path.GetTempPath(), "e2e-logged-in.png");

    [Fact]
    public async Task BrowserLogin_ThroughSimulator_ReachesTheStartPageLoggedIn()
    {
        var page = await NewPageAsync();
        await page.GotoAsync(Idp.Url("/").AbsoluteUri);

        await page.GetByRole(AriaRole.Link, new() { Name = "Log in", Exact = true }).ClickAsync();
        await LoginSteps.ChooseIdPortenAsync(page);
        await LoginSteps.LogInAtSimulatorAsync(page);

        await Expect(page).ToHaveURLAsync(Idp.Url("/").AbsoluteUri);
        await Expect(page.GetByText("You are logged in")).ToBeVisibleAsync();
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Log out" })).ToBeVisibleAsync();
        var session = (await page.Context.CookiesAsync()).Should().ContainSingle(c => c.Name == "__Host-educloud-session").Subject;
        session.Secure.Should().BeTrue();
        session.HttpOnly.Should().BeTrue();
        await page.ScreenshotAsync(new() { Path = LoggedInScreenshot, FullPage = true });
    }

    [Fact]
    public async Task LogOut_EndsTheIdPortenSession_WhoseLogoutPageFramesOurs_ThenBackOnTheStartPage()
    {
        var page = await NewPageAsync();
        await page.GotoAsync(Idp.Url("/").AbsoluteUri);
        await page.GetByRole(AriaRole.Link, new() { Name = "Log in", Exact = true }).ClickAsync();
        await LoginSteps.ChooseIdPortenAsync(page);
        await LoginSteps.LogInAtSimulatorAsync(page, person: 2); // nobody else's: the accessibility test needs person 1 without an authenticator
        await Expect(page.GetByText("You are logged in")).ToBeVisibleAsync();

        await page.GetByRole(AriaRole.Button, new() { Name = "Log out" }).ClickAsync();

        // ID-porten's logout page, which loads our front-channel logout in a hidden frame: Chromium
        // must be allowed to frame it (CSP frame-ancestors) and show its answer.
        await Expect(page.GetByText("Your login session has ended")).ToBeVisibleAsync();
        await Expect(page.FrameLocator("iframe").GetByText("You are logged out of Educloud.")).ToBeAttachedAsync();
        await page.GetByRole(AriaRole.Link, new() { Name = "Continue" }).ClickAsync();
        await Expect(page).ToHaveURLAsync(Idp.Url("/").AbsoluteUri);
        await Expect(page.GetByRole(AriaRole.Link, new() { Name = "Log in", Exact = true })).ToBeVisibleAsync();
        (await page.Context.CookiesAsync()).Should().NotContain(c => c.Name == "__Host-educloud-session");
    }

    [Fact]
    public async Task BrowserLogin_ForAResearchApp_ReturnsACodeToTheApp()
    {
        await using var app = await ResearchApp.StartAsync(Fixture.ResearchAppPort);
        var verifier = Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(32));
        var state = Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(16));
        var nonce = Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(16));
        var authorize = QueryHelpers.AddQueryString(Idp.Url("/connect/authorize").AbsoluteUri, new Dictionary<string, string?>
        {
            ["client_id"] = EndToEndFixture.ResearchAppClientId,
            ["redirect_uri"] = Fixture.ResearchAppRedirectUri.AbsoluteUri,
            ["response_type"] = "code",
            ["scope"] = "openid profile",
            ["state"] = state,
            ["nonce"] = nonce,
            ["code_challenge"] = Base64UrlEncoder.Encode(SHA256.HashData(Encoding.ASCII.GetBytes(verifier))),
            ["code_challenge_method"] = "S256",
        });

        var page = await NewPageAsync();
        await page.GotoAsync(authorize);
        await Expect(page).ToHaveURLAsync(new Regex("/account/login\\?"));
        await LoginSteps.ChooseIdPortenAsync(page);
        await LoginSteps.LogInAtSimulatorAsync(page);

        var callback = await app.CallbackAsync(Chromium.Timeout);
        await Expect(page.GetByText("The research app received")).ToBeVisibleAsync();
        callback["state"].ToString().Should().Be(state);
        callback["iss"].ToString().Should().Be(Idp.BaseUri.AbsoluteUri, "RFC 9207: the authorization response names its issuer");
        callback.Should().NotContainKey("error");
        var code = callback["code"].ToString();
        code.Should().NotBeNullOrEmpty();

        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, Idp.Url("/connect/token"))
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["grant_type"] = "authorization_code",
                ["code"] = code,
                ["redirect_uri"] = Fixture.ResearchAppRedirectUri.AbsoluteUri,
                ["code_verifier"] = verifier,
            }),
        };
        // client_secret_basic: both parts form-urlencoded before base64 (RFC 6749 2.3.1).
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(
            $"{WebUtility.UrlEncode(EndToEndFixture.ResearchAppClientId)}:{WebUtility.UrlEncode(Fixture.ResearchAppSecret)}")));
        using var response = await http.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        response.StatusCode.Should().Be(HttpStatusCode.OK, body);
        using var tokens = JsonDocument.Parse(body);
        tokens.RootElement.GetProperty("token_type").GetString().Should().Be("Bearer");
        tokens.RootElement.GetProperty("access_token").GetString().Should().NotBeNullOrEmpty();
        var idToken = tokens.RootElement.GetProperty("id_token").GetString();

        var validated = await ValidateIdTokenAsync(http, idToken!);
        validated.IsValid.Should().BeTrue(validated.Exception?.Message);
        validated.Claims["nonce"].Should().Be(nonce);
        validated.Claims["sub"].Should().BeOfType<string>().Which.Should().NotBeEmpty();
    }

    /// <summary>Checks the id_token as the app would: signature against the IdP's JWKS, iss, aud, lifetime.</summary>
    private async Task<TokenValidationResult> ValidateIdTokenAsync(HttpClient http, string idToken)
    {
        using var discovery = JsonDocument.Parse(await http.GetStringAsync(Idp.Url("/.well-known/openid-configuration")));
        var jwks = new JsonWebKeySet(await http.GetStringAsync(discovery.RootElement.GetProperty("jwks_uri").GetString()));
        return await new JsonWebTokenHandler().ValidateTokenAsync(idToken, new TokenValidationParameters
        {
            ValidIssuer = Idp.BaseUri.AbsoluteUri,
            ValidAudience = EndToEndFixture.ResearchAppClientId,
            IssuerSigningKeys = jwks.GetSigningKeys(),
        });
    }
}
