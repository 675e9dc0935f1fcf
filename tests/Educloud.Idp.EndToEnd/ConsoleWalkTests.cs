using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Educloud.Idp.EndToEnd.Infrastructure;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Educloud.Idp.EndToEnd;

/// <summary>
/// Issue 13's proof for the support console (src/Admin), as <see cref="PageWalkTests"/> is for the
/// IdP: every console page in Bokmål, Nynorsk and English at 360 and 1280 px is accessible (axe-core,
/// WCAG 2.1 A and AA, zero violations of any impact), says its language, shows no text of another
/// language and no resource key, and does not scroll sideways (<see cref="PageChecks"/>; screenshots
/// under artifacts/screenshots/console/). The console runs as a process of its own, logged in to
/// through the IdP of the run like any app (<see cref="EndToEndFixture.ConsoleAsync"/>).
/// </summary>
/// <remarks>
/// One staff person for the whole walk: a new person logs in to the console once (simulator, enrollment),
/// sees the no-access page, gets the admin role from the IdP's own command (<c>grant-role</c>), and
/// logs in again (single sign-on at the IdP: roles are read at login). The languages then walk at
/// once, each in its own browser context holding a copy of that login's cookies (a second login of
/// the same person within 30 s would need a code the IdP does not accept yet).
/// </remarks>
public sealed class ConsoleWalkTests(EndToEndFixture fixture, ITestOutputHelper output) : EndToEndTest(fixture, output)
{
    private static readonly Dictionary<string, string> Locales = new() { ["nb"] = "nb-NO", ["nn"] = "nn-NO", ["en"] = "en-GB" };

    /// <summary>The app list's names: as the apps' owners wrote them ("Educloud support console (development)" in the IdP's Development settings).</summary>
    private const string AppNames = "#apps td:nth-child(2)";

    private ConsoleProcess console = null!;

    [Fact]
    public async Task EveryConsolePage_InEveryLanguageAndWidth_IsAccessibleAndInItsLanguage()
    {
        console = await Fixture.ConsoleAsync();
        var consoleMark = console.OutputMark;
        var languages = Environment.GetEnvironmentVariable("E2E_WALK_LANGUAGES") is { Length: > 0 } only
            ? only.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            : ResourceTexts.Languages;
        var checks = languages.Select(language => new PageChecks(language, WriteLine, ResourceTexts.Console, area: "console", data: AppNames)).ToList();

        try
        {
            var (withoutRole, staff, userName) = await StaffPersonAsync();
            var staffPages = new List<IPage>();
            await Task.WhenAll(checks.SelectMany(c => new[]
            {
                Part(c, "no-access page", withoutRole, NoAccessAsync),
                Part(c, "staff pages", staff, async (page, pageChecks) =>
                {
                    await StaffPagesAsync(page, pageChecks, userName);
                    lock (staffPages)
                    {
                        staffPages.Add(page);
                    }
                }),
            }));

            // Last, once: signing out ends the IdP session that every language's login shares.
            if (staffPages.FirstOrDefault() is { } last)
            {
                await Part(checks[0], "sign-out", last, SignOutAsync);
            }
        }
        finally
        {
            WriteLine("Console output during this test:\n" + console.OutputSince(consoleMark));
        }

        var problems = checks.SelectMany(c => c.Problems).ToList();
        problems.Should().BeEmpty(
            "every console page in every language and width is accessible and in its own language; problems found:\n" +
            string.Join("\n", problems.Select(p => "- " + p)) + "\n");
    }

    /// <summary>A person who logs in to the console without a role, then gets admin: the cookies of both logins, and their username.</summary>
    private async Task<(string WithoutRole, string Staff, string UserName)> StaffPersonAsync()
    {
        var pid = PageWalkTests.NewPid();
        var page = await NewPageAsync();
        await page.GotoAsync(console.Url("/").AbsoluteUri);
        await LoginSteps.ChooseIdPortenAsync(page);
        await page.Locator("#sim_pid_other").FillAsync(pid);
        await page.Locator("#acr-substantial").CheckAsync();
        await page.Locator("form button[type=submit]:not([name])").ClickAsync();
        await Expect(page).Not.ToHaveURLAsync(new Regex("/idporten-sim/"));
        await LoginSteps.AnswerSecondFactorAsync(page, pid);
        await Expect(page).ToHaveURLAsync(new Regex("^" + Regex.Escape(console.Url("/forbidden").AbsoluteUri)));
        var withoutRole = await page.Context.StorageStateAsync();

        await page.GotoAsync(Idp.Url("/").AbsoluteUri);
        var userName = (await page.Locator("dl.facts dd").First.InnerTextAsync()).Trim();
        userName.Should().StartWith("idporten-", "the IdP's start page shows the username of the person logged in");
        var granted = await Idp.RunCommandAsync("grant-role", userName, "admin");
        WriteLine("grant-role: " + granted.Split('\n').LastOrDefault(l => l.Contains("Granted", StringComparison.Ordinal)));

        // Roles are read at login: the console's cookie (chunked when large) goes, the IdP's session stays.
        await page.Context.ClearCookiesAsync(new() { NameRegex = new Regex("^educloud-console(C[0-9]+)?$") });
        await page.GotoAsync(console.Url("/").AbsoluteUri);
        await Expect(page).ToHaveURLAsync(console.Url("/").AbsoluteUri);
        await Expect(page.Locator("nav.main-nav a[href='/apps']")).ToBeVisibleAsync();
        return (withoutRole, await page.Context.StorageStateAsync(), userName);
    }

    /// <summary>A part of the walk in a new context with <paramref name="storageState"/>'s cookies; a part that breaks is a problem of its own, the others still run.</summary>
    private async Task Part(PageChecks checks, string name, string storageState, Func<IPage, PageChecks, Task> walk)
    {
        IPage? page = null;
        try
        {
            page = await NewPageAsync(Locales[checks.Language], storageState);
            await walk(page, checks);
        }
        catch (Exception e) when (e is PlaywrightException or TimeoutException or Xunit.Sdk.XunitException)
        {
            checks.Add($"{checks.Language} {name}: the walk stopped at {page?.Url}: {e.Message}");
        }
    }

    private static async Task Part(PageChecks checks, string name, IPage page, Func<IPage, Task> step)
    {
        try
        {
            await step(page);
        }
        catch (Exception e) when (e is PlaywrightException or TimeoutException or Xunit.Sdk.XunitException)
        {
            checks.Add($"{checks.Language} {name}: stopped at {page.Url}: {e.Message}");
        }
    }

    private async Task NoAccessAsync(IPage page, PageChecks checks)
    {
        await GoAsync(page, "/");
        await Expect(page).ToHaveURLAsync(new Regex("/forbidden"));
        await checks.CheckAsync(page, "no-access");
    }

    private async Task StaffPagesAsync(IPage page, PageChecks checks, string staffUserName)
    {
        var language = checks.Language;
        var unique = language + "-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(3));

        await GoAsync(page, "/");
        await checks.CheckAsync(page, "start");

        // The switcher: each other language's link shows this page in that language, and back.
        foreach (var other in ResourceTexts.Languages.Where(l => l != language))
        {
            await page.Locator($"nav.languages a[hreflang={other}]").ClickAsync();
            await Expect(page.Locator("html")).ToHaveAttributeAsync("lang", other);
            await Expect(page).ToHaveURLAsync(console.Url("/").AbsoluteUri);
            await page.Locator($"nav.languages a[hreflang={language}]").ClickAsync();
            await Expect(page.Locator("html")).ToHaveAttributeAsync("lang", language);
        }

        // Search, a person's page.
        await page.Locator("#q").FillAsync(staffUserName);
        await page.Locator("form.search button[type=submit]").ClickAsync();
        await Expect(page.Locator("table.results a").First).ToBeVisibleAsync();
        await checks.CheckAsync(page, "search-results");
        await page.Locator("table.results a").First.ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex("/users/[^/]+$"));
        await checks.CheckAsync(page, "user");

        // A new local user, and an enrollment code for them (the confirmation page and its result).
        await GoAsync(page, "/users/new");
        await checks.CheckAsync(page, "create-user");
        await page.Locator("#Input_UserName").FillAsync("e2e-walk-" + unique);
        await page.Locator("#Input_DisplayName").FillAsync("Walk " + unique);
        await page.Locator("#Input_Reason").FillAsync("e2e-walk");
        await page.Locator("main form button[type=submit]").ClickAsync();
        await Expect(page.Locator("#result")).ToBeVisibleAsync();
        await checks.CheckAsync(page, "create-user-done");
        await page.Locator("main .actions a.button").First.ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex("/enrollment-code$"));
        await checks.CheckAsync(page, "user-confirm");
        await page.Locator("#Input_Reason").FillAsync("e2e-walk");
        await page.Locator("main form button[type=submit]").ClickAsync();
        await Expect(page.Locator("#result")).ToBeVisibleAsync();
        await checks.CheckAsync(page, "user-confirm-done");

        // Research apps: the list, register (form and result), an app's page, edit, a confirmation.
        await GoAsync(page, "/apps");
        await checks.CheckAsync(page, "apps");
        await GoAsync(page, "/apps/new");
        await checks.CheckAsync(page, "register-app");
        var clientId = "e2e-walk-" + unique;
        await page.Locator("#Input_ClientId").FillAsync(clientId);
        await page.Locator("#Input_DisplayName").FillAsync("Walk " + unique);
        await page.Locator("#Input_RedirectUris").FillAsync("https://app.example.org/callback");
        await page.Locator("#Input_Reason").FillAsync("e2e-walk");
        await page.Locator("main form button[type=submit]").ClickAsync();
        await Expect(page.Locator("#result")).ToBeVisibleAsync();
        await checks.CheckAsync(page, "register-app-done");
        await GoAsync(page, "/apps/" + clientId);
        await checks.CheckAsync(page, "app");
        await GoAsync(page, "/apps/" + clientId + "/edit");
        await checks.CheckAsync(page, "edit-app");
        await GoAsync(page, "/apps/" + clientId + "/disable");
        await checks.CheckAsync(page, "app-confirm");

        // The audit log, filtered by person, and a person it does not know.
        await GoAsync(page, "/audit");
        await checks.CheckAsync(page, "audit");
        await page.Locator("#person").FillAsync(staffUserName);
        await page.Locator("form.filter button[type=submit]").ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex("person="));
        await checks.CheckAsync(page, "audit-filtered");
        await page.Locator("#person").FillAsync("nobody-" + unique);
        await page.Locator("form.filter button[type=submit]").ClickAsync();
        await Expect(page.Locator("#no-one")).ToBeVisibleAsync();
        await checks.CheckAsync(page, "audit-no-one");

        await GoAsync(page, "/no-such-page", expectedStatus: 404);
        await checks.CheckAsync(page, "error-404");
        await GoAsync(page, "/sign-in-failed?error=access_denied", expectedStatus: 502);
        await checks.CheckAsync(page, "sign-in-failed");
        await GoAsync(page, "/signout");
        await checks.CheckAsync(page, "sign-out");
        await GoAsync(page, "/signed-out");
        await checks.CheckAsync(page, "signed-out");
        await GoAsync(page, "/");
    }

    /// <summary>The header's sign-out: out of the console and the IdP, back on the console's signed-out page.</summary>
    private async Task SignOutAsync(IPage page)
    {
        await page.Locator("header form.signout button[type=submit]").ClickAsync();
        // The IdP ends ID-porten's session too: the simulator's logout page, then on with "Continue".
        await Expect(page).ToHaveURLAsync(new Regex("/idporten-sim/endsession|/signed-out$"));
        if (page.Url.Contains("/idporten-sim/", StringComparison.Ordinal))
        {
            await page.GetByRole(AriaRole.Link, new() { Name = "Continue" }).ClickAsync();
        }

        await Expect(page).ToHaveURLAsync(console.Url("/signed-out").AbsoluteUri);
    }

    /// <summary>Opens a console page; its status must be <paramref name="expectedStatus"/> when given, else below 500.</summary>
    private async Task GoAsync(IPage page, string path, int? expectedStatus = null)
    {
        var response = await page.GotoAsync(console.Url(path).AbsoluteUri);
        var status = response?.Status ?? 0;
        if (expectedStatus is { } expected ? status != expected : status is 0 or >= 500)
        {
            throw new Xunit.Sdk.XunitException($"GET {path} answered {status}, expected {expectedStatus?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "a page"}");
        }
    }
}
