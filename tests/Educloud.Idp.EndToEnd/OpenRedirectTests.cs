using Educloud.Idp.EndToEnd.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace Educloud.Idp.EndToEnd;

/// <summary>Issue 8, item 2, in a real browser: Chromium drops a TAB from a URL, so /&lt;TAB&gt;/evil.example is //evil.example to it.</summary>
public sealed class OpenRedirectTests(EndToEndFixture fixture, ITestOutputHelper output) : EndToEndTest(fixture, output)
{
    [Fact]
    public async Task ReturnUrlWithTab_ChromiumStaysOnTheIdp()
    {
        var page = await NewPageAsync();
        var offSite = new List<string>();
        await page.RouteAsync("**://evil.example/**", route =>
        {
            offSite.Add(route.Request.Url);
            return route.FulfillAsync(new() { Body = "phished", ContentType = "text/plain" });
        });

        // The request guard refuses the control character at once (400), before any login; the
        // way back after a login is checked by the framework's local-URL rule besides (LocalUrlTests).
        var response = await page.GotoAsync(Idp.Url("/account/login").AbsoluteUri + "?returnUrl=%2F%09%2Fevil.example%2Fphish");

        response!.Status.Should().Be(400);
        new Uri(page.Url).Host.Should().Be(Idp.Url("/").Host);
        offSite.Should().BeEmpty("the link must not lead off the IdP");
    }

    [Fact]
    public async Task ReturnUrlWithABackslash_AfterACompleteLogin_ChromiumStaysOnTheIdp()
    {
        var page = await NewPageAsync();
        var offSite = new List<string>();
        await page.RouteAsync("**://evil.example/**", route =>
        {
            offSite.Add(route.Request.Url);
            return route.FulfillAsync(new() { Body = "phished", ContentType = "text/plain" });
        });

        // Chromium reads /\evil.example as //evil.example: the local-URL rule must refuse it.
        await page.GotoAsync(Idp.Url("/account/login").AbsoluteUri + "?returnUrl=%2F%5Cevil.example%2Fphish");
        await LoginSteps.ChooseIdPortenAsync(page);
        // The last synthetic person: nobody else's, so the first login here enrolls.
        await LoginSteps.LogInAtSimulatorAsync(page, person: 5);

        await Expect(page).ToHaveURLAsync(Idp.Url("/").AbsoluteUri);
        offSite.Should().BeEmpty("the way back after login must stay on the IdP");
    }
}
