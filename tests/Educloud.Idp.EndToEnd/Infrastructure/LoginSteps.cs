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

    /// <summary>
    /// On the simulator: a synthetic person (the first by default), level "substantial", Log in.
    /// Tests that log in within the same 30 s use different people: each phone can give only one
    /// step ahead of the clock (the IdP's drift window), and each code is accepted once.
    /// </summary>
    public static async Task LogInAtSimulatorAsync(IPage page, int person = 0)
    {
        await page.GetByRole(AriaRole.Group, new() { Name = "Synthetic person" }).GetByRole(AriaRole.Radio).Nth(person).CheckAsync();
        await page.GetByRole(AriaRole.Radio, new() { Name = "Substantial" }).CheckAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Log in", Exact = true }).ClickAsync();
        await Expect(page).Not.ToHaveURLAsync(SimulatorPage());
        await AnswerSecondFactorAsync(page, person);
    }

    /// <summary>
    /// The IdP's second factor, answered like a person with a phone would, but with oathtool (an
    /// independent TOTP implementation) as the phone: scan (read the key under the QR code) and
    /// confirm on first login, type the current code on later ones.
    /// </summary>
    public static Task AnswerSecondFactorAsync(IPage page, int person = 0) => AnswerSecondFactorAsync(page, "synthetic-" + person);

    /// <summary>The same, with the phone of a person of the test's own (<paramref name="phoneOf"/>: e.g. their pid).</summary>
    public static async Task AnswerSecondFactorAsync(IPage page, string phoneOf)
    {
        var phone = Phone.Of(phoneOf);
        var path = new Uri(page.Url).AbsolutePath;
        if (path == "/account/enroll")
        {
            phone.Secret = (await page.Locator("code.secret").InnerTextAsync()).Replace(" ", "", StringComparison.Ordinal);
            await page.GetByLabel("Code from your app").FillAsync(phone.NextCode());
            await page.GetByRole(AriaRole.Button, new() { Name = "Confirm" }).ClickAsync();
            await SkipWelcomeAsync(page);
        }
        else if (path == "/account/code")
        {
            await page.GetByLabel("One-time code").FillAsync(phone.NextCode());
            await page.GetByRole(AriaRole.Button, new() { Name = "Continue" }).ClickAsync();
            await SkipWelcomeAsync(page);
        }
    }

    /// <summary>A first login asks "What should support call you?" once: skipped, the login goes on.</summary>
    public static async Task SkipWelcomeAsync(IPage page)
    {
        // The right code always leaves the second-factor page. Wait by polling the URL, not for a
        // load state: Playwright's load-state waits timed out in clean runs both when the next page
        // was already there (Commit) and when its DOMContentLoaded was missed in a redirect chain.
        await Expect(page).Not.ToHaveURLAsync(SecondFactorPage());
        if (new Uri(page.Url).AbsolutePath == "/account/welcome")
        {
            await page.GetByRole(AriaRole.Link, new() { Name = "Skip", Exact = true }).ClickAsync();
        }
    }

    [GeneratedRegex("/account/(enroll|code)([?#]|$)")]
    private static partial Regex SecondFactorPage();

    // The phones of the synthetic people the browser tests use (one IdP process per run).
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, Phone> Phones = new();

    /// <summary>The authenticator app on the phone of <c>Phone.Of(who)</c>: its key once enrolled, and the next code it may give.</summary>
    public sealed class Phone
    {
        private long lastStep = -1;

        public static Phone Of(string who) => Phones.GetOrAdd(who, _ => new Phone());

        public string? Secret { get; set; }

        // The IdP accepts each code once: a later login in the same 30 s uses the next step's code.
        public string NextCode()
        {
            var step = Math.Max(DateTimeOffset.UtcNow.ToUnixTimeSeconds() / 30, lastStep + 1);
            lastStep = step;
            return Tool.Run("oathtool", "--totp", "-b", Secret ?? throw new InvalidOperationException("No authenticator enrolled yet."), "-N", $"@{step * 30}");
        }
    }

    [GeneratedRegex("/idporten-sim/")]
    private static partial Regex SimulatorPage();

    [GeneratedRegex("/idporten-sim/authorize")]
    private static partial Regex SimulatorAuthorize();
}
