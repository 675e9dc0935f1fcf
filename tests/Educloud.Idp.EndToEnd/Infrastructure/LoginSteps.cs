using System.Text.RegularExpressions;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Educloud.Idp.EndToEnd.Infrastructure;

/// <summary>What a person does on the IdP's pages and the ID-porten simulator's page.</summary>
public static partial class LoginSteps
{
    /// <summary>On the IdP's login page: hand over to ID-porten and wait for the simulator's page.</summary>
    public static async Task ChooseIdPortenAsync(IPage page)
    {
        await page.GetByRole(AriaRole.Button, new() { Name = "Log in with ID-porten" }).ClickAsync();
        await Expect(page).ToHaveURLAsync(SimulatorAuthorize());
        await Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToContainTextAsync("ID-porten simulator");
    }

    /// <summary>On the simulator: the first synthetic person, level "substantial", Log in.</summary>
    public static async Task LogInAtSimulatorAsync(IPage page)
    {
        await page.GetByRole(AriaRole.Group, new() { Name = "Synthetic person" }).GetByRole(AriaRole.Radio).First.CheckAsync();
        await page.GetByRole(AriaRole.Radio, new() { Name = "Substantial" }).CheckAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Log in", Exact = true }).ClickAsync();
        await page.WaitForURLAsync(url => !url.Contains("/idporten-sim/", StringComparison.Ordinal));
        await AnswerSecondFactorAsync(page);
    }

    /// <summary>
    /// The IdP's second factor, answered like a person with a phone would, but with oathtool (an
    /// independent TOTP implementation) as the phone: scan (read the key under the QR code) and
    /// confirm on first login, type the current code on later ones.
    /// </summary>
    public static async Task AnswerSecondFactorAsync(IPage page)
    {
        var path = new Uri(page.Url).AbsolutePath;
        if (path == "/account/enroll")
        {
            secret = (await page.Locator("code.secret").InnerTextAsync()).Replace(" ", "", StringComparison.Ordinal);
            await page.GetByLabel("Code from your app").FillAsync(NextCode());
            await page.GetByRole(AriaRole.Button, new() { Name = "Confirm" }).ClickAsync();
        }
        else if (path == "/account/code")
        {
            await page.GetByLabel("One-time code").FillAsync(NextCode());
            await page.GetByRole(AriaRole.Button, new() { Name = "Continue" }).ClickAsync();
        }
    }

    // The phone of the one synthetic person the browser tests use (one IdP process per run).
    private static string? secret;
    private static long lastStep = -1;

    // The IdP accepts each code once: a later login in the same 30 s uses the next step's code.
    private static string NextCode()
    {
        var step = Math.Max(DateTimeOffset.UtcNow.ToUnixTimeSeconds() / 30, lastStep + 1);
        lastStep = step;
        return Tool.Run("oathtool", "--totp", "-b", secret ?? throw new InvalidOperationException("No authenticator enrolled yet."), "-N", $"@{step * 30}");
    }

    [GeneratedRegex("/idporten-sim/authorize")]
    private static partial Regex SimulatorAuthorize();
}
