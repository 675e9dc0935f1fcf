using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.AspNetCore.WebUtilities;

namespace Educloud.Idp.Tests.Infrastructure;

/// <summary>Steps a person takes, shared by the flow tests.</summary>
public static class Flows
{
    /// <summary>A TestID-shaped synthetic number (month + 80).</summary>
    public const string Pid = "01818512345";

    /// <summary>A fresh TestID-shaped number (day 01-28, month + 80), so tests don't share people.</summary>
    public static string NewPid() =>
        $"{Random.Shared.Next(1, 29):D2}{Random.Shared.Next(81, 93):D2}{Random.Shared.Next(0, 100):D2}{Random.Shared.Next(0, 100000):D5}";

    public const string Substantial = "idporten-loa-substantial";
    public const string High = "idporten-loa-high";

    /// <summary>
    /// What the IdP asked of ID-porten, as the simulator's page shows it ("prompt=login max_age=0 ..."):
    /// with PAR the request is no longer in the page's URL.
    /// </summary>
    public static string AskedOfIdPorten(BrowserPage simulator) =>
        simulator.Document.QuerySelector("#sim-request")?.TextContent ?? throw new InvalidOperationException($"Not the simulator's login page: {simulator.Address}");

    /// <summary>From a page that sent the browser to the IdP's login page: log in through the simulator.</summary>
    public static async Task<BrowserPage> LogInAtIdPortenAsync(TestBrowser browser, BrowserPage loginPage, string pid = Pid, string acr = Substantial)
    {
        loginPage.Address.AbsolutePath.Should().Be("/account/login", loginPage.Body);
        var simulator = await browser.SubmitAsync(loginPage);
        simulator.Address.AbsolutePath.Should().Be("/idporten-sim/authorize", simulator.Body);
        var next = await browser.SubmitAsync(simulator, values: new Dictionary<string, string>
        {
            ["sim_pid"] = pid,
            ["sim_pid_other"] = "",
            ["sim_acr"] = acr,
        });
        return await AnswerSecondFactorAsync(browser, next, pid);
    }

    /// <summary>
    /// From <paramref name="start"/> (a page that leads to the login page) through ID-porten as
    /// <paramref name="pid"/>: the page after it (the code or enrollment page), not yet answered.
    /// </summary>
    public static async Task<BrowserPage> ThroughIdPortenAsync(TestBrowser browser, string start, string pid) =>
        await browser.SubmitAsync(await browser.SubmitAsync(await browser.GetAsync(start)),
            values: new Dictionary<string, string> { ["sim_pid"] = pid, ["sim_acr"] = Substantial });

    /// <summary>
    /// What the person does after ID-porten: scan the QR code and confirm (first time), or type the
    /// code from the app; then, at a first login, skip "What should support call you?" (unless
    /// <paramref name="skipWelcome"/> is false). Pages other than these are returned as they are.
    /// </summary>
    public static async Task<BrowserPage> AnswerSecondFactorAsync(TestBrowser browser, BrowserPage page, string pid, bool skipWelcome = true)
    {
        if (page.Address.AbsolutePath == "/account/enroll" && page.Status == HttpStatusCode.OK)
        {
            var secret = OtpNet.Base32Encoding.ToBytes(page.Document.QuerySelector("code.secret")!.TextContent.Replace(" ", "", StringComparison.Ordinal));
            browser.Authenticators.Scanned(pid, secret);
            var answered = await browser.SubmitAsync(page, "form[method=post]", new Dictionary<string, string> { ["code"] = browser.Authenticators.NextCode(pid, browser.Clock) });
            return skipWelcome ? await SkipWelcomeAsync(browser, answered) : answered;
        }

        if (page.Address.AbsolutePath == "/account/code" && page.Status == HttpStatusCode.OK && browser.Authenticators.Has(pid))
        {
            var answered = await browser.SubmitAsync(page, "form[method=post]", new Dictionary<string, string> { ["code"] = browser.Authenticators.NextCode(pid, browser.Clock) });
            return skipWelcome ? await SkipWelcomeAsync(browser, answered) : answered;
        }

        return page;
    }

    /// <summary>The first login's "What should support call you?" page, skipped (its Skip link); any other page as it is.</summary>
    public static async Task<BrowserPage> SkipWelcomeAsync(TestBrowser browser, BrowserPage page) =>
        page.Address.AbsolutePath == "/account/welcome" && page.Status == HttpStatusCode.OK
            ? await browser.GetAsync(new Uri(page.Address, page.Document.QuerySelector("a#skip")!.GetAttribute("href")).AbsoluteUri)
            : page;

    /// <summary>A research app's authorization request, built by hand (for protocol tests).</summary>
    public static string AuthorizeUrl(
        string clientId = IdpHost.AppClientId,
        string redirectUri = IdpHost.AppOrigin + "/signin-oidc",
        string scope = "openid profile offline_access",
        Pkce? pkce = null,
        IDictionary<string, string?>? extra = null)
    {
        pkce ??= Pkce.New();
        var parameters = new Dictionary<string, string?>
        {
            ["client_id"] = clientId,
            ["redirect_uri"] = redirectUri,
            ["response_type"] = "code",
            ["scope"] = scope,
            ["state"] = "state-" + Guid.NewGuid().ToString("N"),
            ["nonce"] = "nonce-" + Guid.NewGuid().ToString("N"),
            ["code_challenge"] = pkce.Challenge,
            ["code_challenge_method"] = "S256",
        };
        foreach (var (key, value) in extra ?? new Dictionary<string, string?>())
        {
            parameters[key] = value;
        }

        return QueryHelpers.AddQueryString(IdpHost.Origin + "/connect/authorize", parameters.Where(p => p.Value is not null)!);
    }

    /// <summary>Query parameters of the redirect that left the IdP for the app.</summary>
    public static Dictionary<string, string> RedirectParameters(TestBrowser browser)
    {
        browser.LeftTo.Should().NotBeNull("the IdP should have redirected back to the app");
        return QueryHelpers.ParseQuery(browser.LeftTo!.Query).ToDictionary(p => p.Key, p => p.Value.ToString());
    }

    public static async Task<(int Status, JsonElement Body)> TokenAsync(HttpClient backchannel, IDictionary<string, string> form, string? clientId = null, string? secret = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/connect/token") { Content = new FormUrlEncodedContent(form) };
        if (clientId is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Basic",
                Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(Uri.EscapeDataString(clientId) + ":" + Uri.EscapeDataString(secret ?? ""))));
        }

        using var response = await backchannel.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return ((int)response.StatusCode, JsonDocument.Parse(text.Length == 0 ? "{}" : text).RootElement.Clone());
    }

    public static Task<(int Status, JsonElement Body)> RedeemCodeAsync(HttpClient backchannel, string code, Pkce pkce, string clientId = IdpHost.AppClientId, string secret = IdpHost.AppSecret, string redirectUri = IdpHost.AppOrigin + "/signin-oidc") =>
        TokenAsync(backchannel, new Dictionary<string, string>
        {
            ["grant_type"] = "authorization_code",
            ["code"] = code,
            ["code_verifier"] = pkce.Verifier,
            ["redirect_uri"] = redirectUri,
        }, clientId, secret);

    public static Task<(int Status, JsonElement Body)> RefreshAsync(HttpClient backchannel, string refreshToken) =>
        TokenAsync(backchannel, new Dictionary<string, string>
        {
            ["grant_type"] = "refresh_token",
            ["refresh_token"] = refreshToken,
        }, IdpHost.AppClientId, IdpHost.AppSecret);
}
