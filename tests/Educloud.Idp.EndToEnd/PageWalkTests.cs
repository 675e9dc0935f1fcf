using System.Security.Cryptography;
using Educloud.Idp.EndToEnd.Infrastructure;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Educloud.Idp.EndToEnd;

/// <summary>
/// Issue 13's proof in a real browser: every page of the IdP in Bokmål, Nynorsk and English, at
/// 360 and 1280 px, is accessible (axe-core, WCAG 2.1 A and AA, zero violations of any impact), says
/// its language in &lt;html lang&gt;, shows no text of another language and no resource key, and does
/// not scroll sideways. Every page leaves a screenshot under artifacts/screenshots/ (PageChecks).
/// The one accessibility test of the suite.
/// </summary>
/// <remarks>
/// The languages are walked at once, each in its own browser context (Accept-Language through the
/// context's locale) with its own new person, so that their TOTP codes never meet. E2E_WALK_LANGUAGES
/// (e.g. "en" or "nb,nn") limits a run while developing; the suite walks all three.
/// </remarks>
public sealed class PageWalkTests(EndToEndFixture fixture, ITestOutputHelper output) : EndToEndTest(fixture, output)
{
    private static readonly Dictionary<string, string> Locales = new() { ["nb"] = "nb-NO", ["nn"] = "nn-NO", ["en"] = "en-GB" };

    [Fact]
    public async Task EveryPage_InEveryLanguageAndWidth_IsAccessibleAndInItsLanguage()
    {
        var languages = Environment.GetEnvironmentVariable("E2E_WALK_LANGUAGES") is { Length: > 0 } only
            ? only.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            : ResourceTexts.Languages;
        var checks = languages.Select(language => new PageChecks(language, WriteLine)).ToList();

        await Task.WhenAll(checks.Select(WalkAsync));

        var problems = checks.SelectMany(c => c.Problems).ToList();
        problems.Should().BeEmpty(
            "every page in every language and width is accessible and in its own language; problems found:\n" +
            string.Join("\n", problems.Select(p => "- " + p)) + "\n");
    }

    private async Task WalkAsync(PageChecks checks)
    {
        // Each part gets its own context (its own cookies); a part that breaks is a problem of its
        // own and the others still run, so one run lists everything.
        await Task.WhenAll(
            Part(checks, "logged-out pages", LoggedOutPagesAsync),
            Part(checks, "enrollment and logged-in pages", EnrollmentAndAccountAsync));
    }

    private async Task Part(PageChecks checks, string name, Func<IPage, PageChecks, Task> walk)
    {
        IPage? page = null;
        try
        {
            page = await NewPageAsync(Locales[checks.Language]);
            await walk(page, checks);
        }
        catch (Exception e) when (e is PlaywrightException or TimeoutException or Xunit.Sdk.XunitException)
        {
            checks.Add($"{checks.Language} {name}: the walk stopped at {page?.Url}: {e.Message}");
        }
    }

    private async Task LoggedOutPagesAsync(IPage page, PageChecks checks)
    {
        var language = checks.Language;
        await GoAsync(page, "/");
        await checks.CheckAsync(page, "start-logged-out");

        await GoAsync(page, "/account/login");
        await checks.CheckAsync(page, "login");

        // The switcher: each other language's link shows this page in that language, and back.
        foreach (var other in ResourceTexts.Languages.Where(l => l != language))
        {
            await page.Locator($"nav a[hreflang={other}]").ClickAsync();
            await Expect(page.Locator("html")).ToHaveAttributeAsync("lang", other);
            await Expect(page).ToHaveURLAsync(Idp.Url("/account/login").AbsoluteUri);
            await page.Locator($"nav a[hreflang={language}]").ClickAsync();
            await Expect(page.Locator("html")).ToHaveAttributeAsync("lang", language);
        }

        await GoAsync(page, "/account/new-code");
        await checks.CheckAsync(page, "new-code");

        await GoAsync(page, "/account/enroll-with-code");
        await checks.CheckAsync(page, "enroll-with-code");
        await page.Locator("#username").FillAsync("nobody-" + language);
        await page.Locator("#code").FillAsync("AAAA-BBBB-CCCC-DDDD-EEEE-FFFF-GGGG-HHHH");
        await page.Locator("#password").FillAsync("a long enough password 1");
        await page.Locator("#confirm").FillAsync("a long enough password 1");
        await page.Locator("main form:has(#username) button[type=submit]").ClickAsync();
        await Expect(page.Locator("main [role=alert]").First).ToBeVisibleAsync();
        await checks.CheckAsync(page, "enroll-with-code-error");

        await GoAsync(page, "/account/foreign-eid");
        await checks.CheckAsync(page, "foreign-eid");
        await GoAsync(page, "/account/insufficient-level");
        await checks.CheckAsync(page, "insufficient-level");
        await GoAsync(page, "/account/not-registered");
        await checks.CheckAsync(page, "not-registered");
        await GoAsync(page, "/account/confirm-email?token=not-a-real-token");
        await checks.CheckAsync(page, "confirm-email-unknown-link");

        await GoAsync(page, "/no-such-page", expectedStatus: 404);
        await checks.CheckAsync(page, "error-404");
        // An authorization request without its parameters: OpenIddict's 400, shown by the error page.
        await GoAsync(page, "/connect/authorize", expectedStatus: 400);
        await checks.CheckAsync(page, "error-400-bad-request");
        // A login given up at ID-porten: the error page of a failed login.
        await GoAsync(page, "/account/login");
        await page.Locator("main form").First.Locator("button[type=submit]").ClickAsync();
        await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/idporten-sim/authorize"));
        await checks.CheckAsync(page, "idporten-simulator");
        await page.Locator("button[name=sim_cancel]").ClickAsync();
        await Expect(page).Not.ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/idporten-sim/"));
        await Expect(page).ToHaveURLAsync(Idp.Url("/error?reason=login").AbsoluteUri);
        await checks.CheckAsync(page, "error-login-failed");
    }

    private async Task EnrollmentAndAccountAsync(IPage page, PageChecks checks)
    {
        var pid = NewPid();

        // First login of a new person: the enrollment page, with a wrong code, then the right one.
        await LogInAtSimulatorAsync(page, pid);
        await Expect(page).ToHaveURLAsync(Idp.Url("/account/enroll").AbsoluteUri);
        await checks.CheckAsync(page, "enroll");
        var code = page.Locator("input#code");
        (await code.GetAttributeAsync("autocomplete")).Should().Be("one-time-code");
        (await code.GetAttributeAsync("inputmode")).Should().Be("numeric");
        await PrintedEnrollmentAsync(page, checks);
        await code.FillAsync("000000");
        await page.Locator("main form:has(input#code) button[type=submit]").ClickAsync();
        await Expect(page.Locator("main [role=alert]").First).ToBeVisibleAsync();
        await checks.CheckAsync(page, "enroll-wrong-code");

        var phone = LoginSteps.Phone.Of(pid);
        phone.Secret = (await page.Locator("code.secret").InnerTextAsync()).Replace(" ", "", StringComparison.Ordinal);
        await page.Locator("input#code").FillAsync(phone.NextCode());
        await page.Locator("main form:has(input#code) button[type=submit]").ClickAsync();
        await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/account/welcome"));
        await checks.CheckAsync(page, "welcome");
        await page.Locator("#skip").ClickAsync();
        await Expect(page).ToHaveURLAsync(Idp.Url("/").AbsoluteUri);
        await checks.CheckAsync(page, "start-logged-in");

        await GoAsync(page, "/account");
        await checks.CheckAsync(page, "account");
        await GoAsync(page, "/account/profile");
        await checks.CheckAsync(page, "profile");
        await GoAsync(page, "/account/logout");
        await checks.CheckAsync(page, "logout");
        await GoAsync(page, "/connect/endsession");
        await checks.CheckAsync(page, "end-session");

        // A later login (a new context: no session) asks for the code; wrong codes until locked.
        var later = await NewPageAsync(Locales[checks.Language]);
        await LogInAtSimulatorAsync(later, pid);
        await Expect(later).ToHaveURLAsync(Idp.Url("/account/code").AbsoluteUri);
        await checks.CheckAsync(later, "code");
        await later.Locator("input#code").FillAsync("000000");
        await later.Locator("main form:has(input#code) button[type=submit]").ClickAsync();
        await Expect(later.Locator("main [role=alert]").First).ToBeVisibleAsync();
        await checks.CheckAsync(later, "code-wrong-code");
        for (var attempt = 0; attempt < 20 && await later.Locator("[data-locked]").CountAsync() == 0; attempt++)
        {
            await later.Locator("input#code").FillAsync("000000");
            await later.Locator("main form:has(input#code) button[type=submit]").ClickAsync();
            await later.Locator("main [role=alert]").First.WaitForAsync();
        }

        if (await later.Locator("[data-locked]").CountAsync() > 0)
        {
            await checks.CheckAsync(later, "code-locked");
        }
        else
        {
            checks.Add($"{checks.Language} code-locked: 21 wrong codes did not lock the code page");
        }
    }

    /// <summary>The enrollment page on paper: the QR code and key, no forms, no navigation (screenshot artifacts/screenshots/&lt;language&gt;/print/enroll.png).</summary>
    private static async Task PrintedEnrollmentAsync(IPage page, PageChecks checks)
    {
        await page.SetViewportSizeAsync(794, 1123);
        await page.EmulateMediaAsync(new() { Media = Media.Print });
        try
        {
            var path = PageChecks.ScreenshotPath(checks.Language, "print", "enroll");
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            await page.ScreenshotAsync(new() { Path = path, FullPage = true });
            if (!await page.Locator("figure.qr img").IsVisibleAsync() || !await page.Locator("code.secret").IsVisibleAsync())
            {
                checks.Add($"{checks.Language} enroll (print): the QR code or the key is not printed");
            }

            if (await page.Locator("form:visible, nav:visible, button:visible").CountAsync() > 0)
            {
                checks.Add($"{checks.Language} enroll (print): forms, buttons or navigation are printed");
            }
        }
        finally
        {
            await page.EmulateMediaAsync(new() { Media = Media.Screen });
        }
    }

    private async Task LogInAtSimulatorAsync(IPage page, string pid)
    {
        await GoAsync(page, "/account/login");
        await page.Locator("main form").First.Locator("button[type=submit]").ClickAsync();
        await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/idporten-sim/authorize"));
        await page.Locator("#sim_pid_other").FillAsync(pid);
        await page.Locator("#acr-substantial").CheckAsync();
        await page.Locator("form button[type=submit]:not([name])").ClickAsync();
        await Expect(page).Not.ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/idporten-sim/"));
    }

    /// <summary>Opens a page; its status must be <paramref name="expectedStatus"/> when given, else below 500.</summary>
    private async Task GoAsync(IPage page, string path, int? expectedStatus = null)
    {
        var response = await page.GotoAsync(Idp.Url(path).AbsoluteUri);
        var status = response?.Status ?? 0;
        if (expectedStatus is { } expected ? status != expected : status is 0 or >= 500)
        {
            throw new Xunit.Sdk.XunitException($"GET {path} answered {status}, expected {expectedStatus?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "a page"}");
        }
    }

    /// <summary>A new person for each run and language (the simulator takes any 11 digits; 7xxxxxxxxxx is no real birth date).</summary>
    internal static string NewPid() => "7" + RandomNumberGenerator.GetInt32(0, 1_000_000_000).ToString("D10", System.Globalization.CultureInfo.InvariantCulture);
}
