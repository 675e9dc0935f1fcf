using System.Text.RegularExpressions;
using Educloud.Idp.EndToEnd.Infrastructure;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Educloud.Idp.EndToEnd;

/// <summary>
/// Single sign-on between two research apps in a real browser (issue 11), and logout from either
/// side: a person who logged in to one app (ID-porten, then the one-time code) reaches the other
/// with neither; a logout from one app ends the IdP session, so the other needs a login again.
/// </summary>
public sealed class SingleSignOnTests(EndToEndFixture fixture, ITestOutputHelper output) : EndToEndTest(fixture, output)
{
    /// <summary>The second app, reached by single sign-on: a screenshot for a person to look at.</summary>
    public static readonly string SecondAppScreenshot = Path.Combine(Path.GetTempPath(), "e2e-sso-second-app.png");

    // People 3 and 4 of the simulator: nobody else's (each logs in once per run, and enrolls).
    [Fact]
    public Task LoginAtAppA_AppBNeedsNoLogin_LogoutFromA_AppBMustLogInAgain() =>
        SingleSignOnThenLogoutAsync(Fixture.SsoAppA, Fixture.SsoAppB, person: 3);

    [Fact]
    public Task LoginAtAppB_AppANeedsNoLogin_LogoutFromB_AppAMustLogInAgain() =>
        SingleSignOnThenLogoutAsync(Fixture.SsoAppB, Fixture.SsoAppA, person: 4);

    private async Task SingleSignOnThenLogoutAsync(RegisteredApp first, RegisteredApp second, int person)
    {
        await using var firstApp = await ResearchApp.StartAsync(first.Port);
        await using var secondApp = await ResearchApp.StartAsync(second.Port);
        var page = await NewPageAsync();
        var requested = new List<Uri>();
        page.Request += (_, request) =>
        {
            if (request.IsNavigationRequest && request.Frame.ParentFrame is null)
            {
                lock (requested)
                {
                    requested.Add(new Uri(request.Url));
                }
            }
        };

        // The first app: the IdP's login page, ID-porten (the simulator), the one-time code.
        var firstLogin = new AppLogin(Idp, first);
        await page.GotoAsync(firstLogin.AuthorizeUrl());
        await Expect(page).ToHaveURLAsync(new Regex("/account/login\\?"));
        await LoginSteps.ChooseIdPortenAsync(page);
        await LoginSteps.LogInAtSimulatorAsync(page, person);
        var (firstTokens, firstIdToken) = await firstLogin.RedeemAsync(await firstApp.CallbackAsync(Chromium.Timeout));

        // The second app: straight back with a code, through neither the login page, ID-porten nor the code page.
        lock (requested)
        {
            requested.Clear();
        }

        var secondLogin = new AppLogin(Idp, second);
        await page.GotoAsync(secondLogin.AuthorizeUrl());
        var (_, secondIdToken) = await secondLogin.RedeemAsync(await secondApp.CallbackAsync(Chromium.Timeout));
        await Expect(page.GetByText("The research app received")).ToBeVisibleAsync();
        await page.ScreenshotAsync(new() { Path = SecondAppScreenshot, FullPage = true });
        lock (requested)
        {
            requested.Select(u => u.AbsolutePath).Should().Equal(["/connect/authorize", ResearchApp.CallbackPath],
                "single sign-on: the IdP answers the second app at once, with no page of its own or of ID-porten");
        }

        secondIdToken["sub"].Should().Be(firstIdToken["sub"], "the same person");
        secondIdToken["auth_time"].Should().Be(firstIdToken["auth_time"], "the same login, not a new one");
        secondIdToken["acr"].Should().Be(firstIdToken["acr"]);

        // Logout from the first app: the IdP session ends, and ID-porten's (its logout page frames
        // our front-channel logout), then back to the first app with its state.
        // Until the first response only: the logout page's load waits for its frames, and Expect waits for the rest.
        await page.GotoAsync(firstLogin.EndSessionUrl(firstTokens, first.PostLogoutRedirectUri, "logout-state"), new() { WaitUntil = WaitUntilState.Commit });
        await Expect(page.GetByText("Your login session has ended")).ToBeVisibleAsync();
        await Expect(page.FrameLocator("iframe").GetByText("You are logged out of Educloud.")).ToBeAttachedAsync();
        await page.GetByRole(AriaRole.Link, new() { Name = "Continue" }).ClickAsync();
        (await firstApp.LoggedOutAsync(Chromium.Timeout))["state"].ToString().Should().Be("logout-state");
        (await page.Context.CookiesAsync()).Should().NotContain(c => c.Name == "__Host-educloud-session");

        // The second app's next authorization needs a login again.
        await page.GotoAsync(new AppLogin(Idp, second).AuthorizeUrl());
        await Expect(page).ToHaveURLAsync(new Regex("/account/login\\?"));
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Log in with ID-porten" })).ToBeVisibleAsync();
    }
}
