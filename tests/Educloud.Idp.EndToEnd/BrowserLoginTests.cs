using System.Text.RegularExpressions;
using Educloud.Idp.EndToEnd.Infrastructure;
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
        var login = new AppLogin(Idp, EndToEndFixture.ResearchAppClientId, Fixture.ResearchAppSecret, Fixture.ResearchAppRedirectUri);

        var page = await NewPageAsync();
        await page.GotoAsync(login.AuthorizeUrl());
        await Expect(page).ToHaveURLAsync(new Regex("/account/login\\?"));
        await LoginSteps.ChooseIdPortenAsync(page);
        await LoginSteps.LogInAtSimulatorAsync(page);

        var callback = await app.CallbackAsync(Chromium.Timeout);
        await Expect(page.GetByText("The research app received")).ToBeVisibleAsync();
        // state, iss, the code redeemed, the id_token's signature, iss, aud, lifetime, nonce and sub.
        await login.RedeemAsync(callback);
    }
}
