using System.Net.Http.Headers;
using System.Text;
using Educloud.Idp.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Educloud.Idp.Tests.Connect;

public sealed class BadInputTests(IdpFixture fixture, ITestOutputHelper output) : IClassFixture<IdpFixture>
{
    [Fact]
    public async Task Probe()
    {
        var sb = new StringBuilder();
        async Task Show(string label, string url, bool loggedIn = false)
        {
            var browser = loggedIn ? await fixture.LoggedInBrowserAsync() : fixture.Idp.NewBrowser();
            var first = await browser.SendAsync(new HttpRequestMessage(HttpMethod.Get, url), followRedirects: false);
            var page = await browser.GetAsync(url);
            sb.AppendLine($"== {label}: first {(int)first.Status} {first.Response.Headers.Location?.ToString()[..Math.Min(200, first.Response.Headers.Location?.ToString().Length ?? 0)]} | final {(int)page.Status} {page.Address} left={browser.LeftTo}");
            var h1 = page.Document.QuerySelector("h1")?.TextContent; var err = page.Document.QuerySelector(".error")?.TextContent?.Trim();
            sb.AppendLine($"   {h1} / {err}");
        }
        var u = IdpHost.AppOrigin + "/signin-oidc";
        await Show("no challenge", Flows.AuthorizeUrl(extra: new Dictionary<string, string?> { ["code_challenge"] = null, ["code_challenge_method"] = null }));
        await Show("plain", Flows.AuthorizeUrl(extra: new Dictionary<string, string?> { ["code_challenge_method"] = "plain" }));
        await Show("plain verifier", Flows.AuthorizeUrl(extra: new Dictionary<string, string?> { ["code_challenge"] = Pkce.New().Verifier, ["code_challenge_method"] = "plain" }));
        await Show("no method", Flows.AuthorizeUrl(extra: new Dictionary<string, string?> { ["code_challenge_method"] = null }));
        foreach (var r in new[] { u + "/", "https://app.test/SIGNIN-OIDC", "https://APP.test/signin-oidc", "https://app.test:443/signin-oidc", u + "?x=1", "https://evil.test/signin-oidc", "http://app.test/signin-oidc", u + "#f" })
            await Show("redirect " + r, Flows.AuthorizeUrl(redirectUri: r));
        await Show("token", Flows.AuthorizeUrl(extra: new Dictionary<string, string?> { ["response_type"] = "token" }));
        await Show("id_token token", Flows.AuthorizeUrl(extra: new Dictionary<string, string?> { ["response_type"] = "id_token token" }));
        await Show("code id_token", Flows.AuthorizeUrl(extra: new Dictionary<string, string?> { ["response_type"] = "code id_token" }));
        await Show("unknown client", Flows.AuthorizeUrl(clientId: "nope"));
        await Show("prompt none", Flows.AuthorizeUrl(extra: new Dictionary<string, string?> { ["prompt"] = "none" }));
        await Show("ok logged", Flows.AuthorizeUrl(), loggedIn: true);
        await Show("prompt login logged", Flows.AuthorizeUrl(extra: new Dictionary<string, string?> { ["prompt"] = "login" }), loggedIn: true);
        await Show("max_age 0 logged", Flows.AuthorizeUrl(extra: new Dictionary<string, string?> { ["max_age"] = "0" }), loggedIn: true);
        await Show("big state", Flows.AuthorizeUrl(extra: new Dictionary<string, string?> { ["state"] = new string('a', 100_000) }));
        await Show("ff state", Flows.AuthorizeUrl() + "&state=%FF%FE");
        await Show("ff client", IdpHost.Origin + "/connect/authorize?client_id=%FF%FE&response_type=code");
        await Show("dup client", Flows.AuthorizeUrl() + "&client_id=test-app");
        await Show("dup state", Flows.AuthorizeUrl() + "&state=x");
        await Show("endsession bad", IdpHost.Origin + "/connect/endsession?post_logout_redirect_uri=https%3A%2F%2Fevil.test%2F");
        await Show("endsession none", IdpHost.Origin + "/connect/endsession");
        await Show("callback none", IdpHost.Origin + "/federation/idporten/callback");
        await Show("callback state", IdpHost.Origin + "/federation/idporten/callback?state=abc&code=x");
        output.WriteLine(sb.ToString());
    }
}
