using Educloud.Idp.EndToEnd.Infrastructure;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Educloud.Idp.EndToEnd;

/// <summary>
/// Issue 9 in a real browser: the QR code of a new authenticator stays the same on reload and in a
/// second tab, and a right code from the first tab is the one that counts.
/// </summary>
public sealed class EnrollmentTabsTests(EndToEndFixture fixture, ITestOutputHelper output) : EndToEndTest(fixture, output)
{
    [Fact]
    public async Task EnrollmentPage_ReloadedAndInASecondTab_ShowsTheSameKey_TheFirstTabConfirms()
    {
        var tab1 = await NewPageAsync();
        await tab1.GotoAsync(Idp.Url("/account/login").AbsoluteUri);
        await LoginSteps.ChooseIdPortenAsync(tab1);
        // A number of its own: nobody else's person, so this login sets up an authenticator.
        await tab1.Locator("#sim_pid_other").FillAsync("28899912345");
        await tab1.GetByRole(AriaRole.Radio, new() { Name = "Substantial" }).CheckAsync();
        await tab1.GetByRole(AriaRole.Button, new() { Name = "Log in", Exact = true }).ClickAsync();
        await Expect(tab1).ToHaveURLAsync(Idp.Url("/account/enroll").AbsoluteUri);
        var key = await tab1.Locator("code.secret").InnerTextAsync();

        await tab1.ReloadAsync();
        (await tab1.Locator("code.secret").InnerTextAsync()).Should().Be(key, "a reload must not make a new secret");

        var tab2 = await tab1.Context.NewPageAsync();
        await tab2.GotoAsync(Idp.Url("/account/enroll").AbsoluteUri);
        (await tab2.Locator("code.secret").InnerTextAsync()).Should().Be(key, "a second tab shows the same QR code");

        var code = Tool.Run("oathtool", "--totp", "-b", key.Replace(" ", "", StringComparison.Ordinal));
        await tab1.GetByLabel("Code from your app").FillAsync(code);
        await tab1.GetByRole(AriaRole.Button, new() { Name = "Confirm" }).ClickAsync();
        await LoginSteps.SkipWelcomeAsync(tab1);
        await Expect(tab1).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("^" + System.Text.RegularExpressions.Regex.Escape(Idp.Url("/").AbsoluteUri) + "(\\?.*)?$"));
        await Expect(tab1.GetByText("You are logged in")).ToBeVisibleAsync();

        // The second tab, still showing the same QR code, is told it is set up and carries on.
        await tab2.GetByLabel("Code from your app").FillAsync(code);
        await tab2.GetByRole(AriaRole.Button, new() { Name = "Confirm" }).ClickAsync();
        new Uri(tab2.Url).AbsolutePath.Should().Be("/");
        await Expect(tab2.GetByText("Your authenticator is already set up")).ToBeVisibleAsync();
        (await tab2.ContentAsync()).Should().NotContain("That code did not work");
    }
}
