using System.Text.RegularExpressions;
using Educloud.Idp.EndToEnd.Infrastructure;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Educloud.Idp.EndToEnd;

/// <summary>
/// The account page in a real browser (issue 12): one person logged in in two browsers sees both
/// sessions on /account, and "Log out everywhere" in one ends both.
/// </summary>
public sealed partial class AccountPageTests(EndToEndFixture fixture, ITestOutputHelper output) : EndToEndTest(fixture, output)
{
    /// <summary>The account page on a phone-sized screen: a screenshot for a person to look at.</summary>
    public static readonly string AccountScreenshot = Path.Combine(Path.GetTempPath(), "e2e-account-360.png");

    // A number of its own: nobody else's person (the numbered ones belong to other tests).
    private const string Pid = "27899912345";

    [Fact]
    public async Task TwoSessions_BothOnTheAccountPage_LogOutEverywhere_EndsBoth()
    {
        // The first browser: the account page asks for a login and comes back to it.
        var first = await NewPageAsync();
        await LogInToAccountPageAsync(first);
        await Expect(first.Locator("#sessions li")).ToHaveCountAsync(1);

        // The second browser (its own cookies): a second session of the same person.
        var second = await NewPageAsync();
        await second.SetViewportSizeAsync(360, 740);
        await LogInToAccountPageAsync(second);
        await Expect(second.Locator("#sessions li")).ToHaveCountAsync(2);
        await Expect(second.Locator("#sessions li[data-this=true]")).ToContainTextAsync("This browser");
        await Expect(second.Locator("#events")).ToContainTextAsync("Authenticator app added");
        await second.ScreenshotAsync(new() { Path = AccountScreenshot, FullPage = true });
        (await second.EvaluateAsync<int>("document.documentElement.scrollWidth")).Should().BeLessThanOrEqualTo(360, "the page fits a phone");

        // The app logs in through each session (single sign-on: no new login), so each session has it.
        await using var app = await ResearchApp.StartAsync(Fixture.AccountApp.Port);
        var sids = new List<string>();
        foreach (var page in new[] { first, second })
        {
            var login = new AppLogin(Idp, Fixture.AccountApp);
            await page.GotoAsync(login.AuthorizeUrl());
            var (_, idToken) = await login.RedeemAsync(await app.CallbackAsync(Chromium.Timeout));
            sids.Add(idToken["sid"].ToString()!);
        }

        sids.Should().OnlyHaveUniqueItems();
        await second.GotoAsync(Idp.Url("/account").AbsoluteUri);
        await second.GetByRole(AriaRole.Button, new() { Name = "Log out everywhere" }).ClickAsync();

        // ID-porten's logout (this session came from there), then both browsers are logged out.
        await Expect(second.GetByText("Your login session has ended")).ToBeVisibleAsync();
        foreach (var page in new[] { first, second })
        {
            await page.GotoAsync(Idp.Url("/account").AbsoluteUri);
            await Expect(page).ToHaveURLAsync(LoginPage());
        }

        // The app is told of both sessions' end (OIDC Back-Channel Logout 1.0), by the IdP's sender
        // from its outbox (it polls every few seconds): one logout_token per session.
        var told = new List<JsonWebToken>();
        for (var i = 0; i < 2; i++)
        {
            told.Add(new JsonWebToken(await app.LogoutTokenAsync(TimeSpan.FromSeconds(60))));
        }

        told.Select(t => t.GetClaim("sid").Value).Should().BeEquivalentTo(sids);
        foreach (var token in told)
        {
            token.Audiences.Should().Equal(Fixture.AccountApp.ClientId);
            token.Typ.Should().Be("logout+jwt");
            token.GetPayloadValue<System.Text.Json.JsonElement>("events").TryGetProperty("http://schemas.openid.net/event/backchannel-logout", out _).Should().BeTrue();
            token.TryGetPayloadValue<string>("nonce", out _).Should().BeFalse("a logout token never carries a nonce");
        }
    }

    /// <summary>/account without a session: the login page, ID-porten (the simulator), the code or the enrollment, and back to /account.</summary>
    private async Task LogInToAccountPageAsync(IPage page)
    {
        await page.GotoAsync(Idp.Url("/account").AbsoluteUri);
        await Expect(page).ToHaveURLAsync(LoginPage());
        await LoginSteps.ChooseIdPortenAsync(page);
        await page.Locator("#sim_pid_other").FillAsync(Pid);
        await page.GetByRole(AriaRole.Radio, new() { Name = "Substantial" }).CheckAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Log in", Exact = true }).ClickAsync();
        await Expect(page).Not.ToHaveURLAsync(new Regex("/idporten-sim/"));
        await LoginSteps.AnswerSecondFactorAsync(page, phoneOf: Pid);

        await Expect(page).ToHaveURLAsync(Idp.Url("/account").AbsoluteUri);
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Your account" })).ToBeVisibleAsync();
    }

    [GeneratedRegex("/account/login\\?")]
    private static partial Regex LoginPage();
}
