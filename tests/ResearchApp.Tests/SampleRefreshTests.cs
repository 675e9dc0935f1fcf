using System.Globalization;
using System.Net;
using Educloud.Idp.Tests.Infrastructure;

namespace Educloud.ResearchApp.Tests;

/// <summary>
/// The sample refreshes its access token with the refresh token (offline_access) shortly before it
/// expires, once per refresh token however many requests arrive together, and ends its session
/// when the IdP refuses the refresh. Each test moves time: its own IdP and app.
/// </summary>
public sealed class SampleRefreshTests
{
    [Fact]
    public async Task AccessTokenNearExpiry_NextRequest_RefreshesIt_AndTheApiAcceptsTheNewOne()
    {
        await using var pair = await ResearchAppFixture.StartAsync();
        var (browser, home, _) = await pair.LogInAsync();
        var firstExpiry = Expiry(home);

        // Access tokens live 10 minutes; the app refreshes in the last minute.
        pair.Clock.Advance(TimeSpan.FromMinutes(9.5));
        var refreshed = await pair.HomeAsync(browser);

        HomePage.AsksToLogIn(refreshed).Should().BeFalse(refreshed.Body);
        Expiry(refreshed).Should().BeAfter(firstExpiry.AddMinutes(9), "a new access token was fetched");
        pair.Clock.Advance(TimeSpan.FromMinutes(5));
        var api = await browser.GetAsync(ResearchAppHost.Origin + "/call-api");
        HomePage.Field(api, "api-status").Should().Be("200", "the first access token has expired by now; the page sent the new one");
    }

    [Fact]
    public async Task ParallelRequestsAtExpiry_RedeemTheRefreshTokenOnce_TheLoginSurvives()
    {
        await using var pair = await ResearchAppFixture.StartAsync();
        var (browser, _, _) = await pair.LogInAsync();
        pair.Clock.Advance(TimeSpan.FromMinutes(9.5));

        // Two requests with the same cookie (the same refresh token) at once, as a browser loading
        // two things does. A second redemption of one refresh token would revoke the whole login at the IdP.
        var cookie = browser.Cookies.GetCookieHeader(new Uri(ResearchAppHost.Origin));
        var pages = await Task.WhenAll(Enumerable.Range(0, 2).Select(async _ =>
        {
            using var client = pair.App.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { BaseAddress = new Uri(ResearchAppHost.Origin) });
            using var request = new HttpRequestMessage(HttpMethod.Get, "/");
            request.Headers.Add("Cookie", cookie);
            using var response = await client.SendAsync(request);
            return await response.Content.ReadAsStringAsync();
        }));

        pages.Should().AllSatisfy(page => page.Should().NotContain("id=\"login\"", "both requests are still logged in"));
        // The browser's own next request carries the old cookie too, and is answered from the same refresh.
        var again = await pair.HomeAsync(browser);
        HomePage.AsksToLogIn(again).Should().BeFalse(again.Body);
        // The login lives on at the IdP: the next refresh, with the rotated token, works.
        pair.Clock.Advance(TimeSpan.FromMinutes(9.5));
        var later = await pair.HomeAsync(browser);
        HomePage.AsksToLogIn(later).Should().BeFalse("the refresh token family was not revoked");
    }

    [Fact]
    public async Task RefreshTokenRevoked_NextRefreshIsRefused_TheAppsSessionEnds()
    {
        await using var pair = await ResearchAppFixture.StartAsync();
        var (browser, _, _) = await pair.LogInAsync();
        using var backchannel = pair.Idp.NewBackchannel();
        using var revoke = await backchannel.SendAsync(new HttpRequestMessage(HttpMethod.Post, "/connect/revoke")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["token"] = pair.App.Logins.Last().RefreshToken!,
                ["token_type_hint"] = "refresh_token",
                ["client_id"] = ResearchAppHost.ClientId,
                ["client_secret"] = ResearchAppHost.Secret,
            }),
        });
        revoke.StatusCode.Should().Be(HttpStatusCode.OK);
        HomePage.AsksToLogIn(await pair.HomeAsync(browser)).Should().BeFalse("the access token is still fresh: no refresh yet");

        pair.Clock.Advance(TimeSpan.FromMinutes(9.5));

        HomePage.AsksToLogIn(await pair.HomeAsync(browser)).Should().BeTrue("the IdP refused the refresh");
    }

    private static DateTimeOffset Expiry(BrowserPage home) =>
        DateTimeOffset.Parse(HomePage.Field(home, "access-token-expires"), CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind);
}
