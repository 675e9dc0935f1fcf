using System.Net;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.WebUtilities;

namespace Educloud.IdPortenSimulator.Tests;

public sealed partial class EndSessionTests : SimulatorTestBase
{
    [Fact]
    public async Task EndSession_WithUnregisteredPostLogoutRedirectUri_Returns400()
    {
        var idToken = await LoginAndGetIdTokenAsync();

        using var response = await Host.PostFormAsync("/idporten-sim/endsession", new()
        {
            ["id_token_hint"] = idToken,
            ["post_logout_redirect_uri"] = "https://attacker.example/",
        });

        response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        response.Headers.Location.Should().BeNull();
    }

    [Fact]
    public async Task EndSession_WithPostLogoutRedirectUriButNoClient_Returns400()
    {
        using var response = await Client.GetAsync(QueryHelpers.AddQueryString("/idporten-sim/endsession", "post_logout_redirect_uri", SimulatorHost.PostLogoutRedirectUri));

        response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task EndSession_WithForgedIdTokenHint_Returns400()
    {
        var idToken = await LoginAndGetIdTokenAsync();
        var forged = idToken[..^4] + (idToken.EndsWith("AAAA", StringComparison.Ordinal) ? "BBBB" : "AAAA");

        using var response = await Host.PostFormAsync("/idporten-sim/endsession", new() { ["id_token_hint"] = forged });

        response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task EndSession_RendersFrontChannelIframeWithIssAndSid()
    {
        var idToken = await LoginAndGetIdTokenAsync();
        var sid = (await ValidateIdTokenAsync(idToken)).GetClaim("sid").Value;
        // Logout hints are usually old: expired ones must still work.
        Host.Time.Advance(TimeSpan.FromMinutes(10));

        using var response = await Host.PostFormAsync("/idporten-sim/endsession", new()
        {
            ["id_token_hint"] = idToken,
            ["post_logout_redirect_uri"] = SimulatorHost.PostLogoutRedirectUri,
            ["state"] = "logout-state",
        });

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        var html = await response.Content.ReadAsStringAsync();
        html.Should().Contain("You are logged out of ID-porten (simulator)").And.NotContainEquivalentOf("<script");
        var iframe = new Uri(WebUtility.HtmlDecode(IframeSrc().Match(html).Groups[1].Value));
        iframe.GetLeftPart(UriPartial.Path).Should().Be(SimulatorHost.FrontChannelLogoutUri);
        var query = QueryHelpers.ParseQuery(iframe.Query);
        query["iss"].ToString().Should().Be(SimulatorHost.Issuer);
        query["sid"].ToString().Should().Be(sid);
        var link = new Uri(WebUtility.HtmlDecode(ContinueHref().Match(html).Groups[1].Value));
        link.GetLeftPart(UriPartial.Path).Should().Be(SimulatorHost.PostLogoutRedirectUri);
        QueryHelpers.ParseQuery(link.Query)["state"].ToString().Should().Be("logout-state");
        response.Headers.GetValues("Content-Security-Policy").Single().Should().Contain("frame-src https://rp.example").And.Contain("frame-ancestors 'none'");
    }

    /// <summary>Issue 11: the second logout finds no session, and ID-porten then shows an error page (once a 200 "logged out" page).</summary>
    [Fact]
    public async Task EndSession_Twice_SecondShowsTheNoSessionErrorPage()
    {
        var idToken = await LoginAndGetIdTokenAsync();
        using var first = await Client.GetAsync(QueryHelpers.AddQueryString("/idporten-sim/endsession", "id_token_hint", idToken));
        (await first.Content.ReadAsStringAsync()).Should().Contain("<iframe");

        using var second = await Client.GetAsync(QueryHelpers.AddQueryString("/idporten-sim/endsession", new Dictionary<string, string?>
        {
            ["id_token_hint"] = idToken,
            ["post_logout_redirect_uri"] = SimulatorHost.PostLogoutRedirectUri,
        }));

        second.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        second.Headers.Location.Should().BeNull();
        var html = await second.Content.ReadAsStringAsync();
        html.Should().Contain("No login session to end").And.NotContain("<iframe");
        // Not a redirect, but the person may still go back to the service.
        ContinueHref().IsMatch(html).Should().BeTrue();
    }

    [GeneratedRegex("<iframe src=\"([^\"]+)\"")]
    private static partial Regex IframeSrc();

    [GeneratedRegex("<a href=\"([^\"]+)\">Continue</a>")]
    private static partial Regex ContinueHref();
}
