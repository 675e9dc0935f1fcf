using Educloud.Idp.EndToEnd.Infrastructure;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Educloud.Idp.EndToEnd;

/// <summary>
/// A person without a mouse: the whole first login (login page, ID-porten, enrollment with the QR
/// code's key, welcome skipped) and a later login, with Tab, Shift+Tab, Enter, Space and typing
/// only. Every control on the way must be reachable, and focus must always be visible on it.
/// </summary>
public sealed class KeyboardTests(EndToEndFixture fixture, ITestOutputHelper output) : EndToEndTest(fixture, output)
{
    // How far Tab may go to find a control before it counts as unreachable.
    private const int MaxTabs = 40;

    [Fact]
    public async Task FirstAndLaterLogin_WithTheKeyboardOnly_ReachEveryControlWithVisibleFocus()
    {
        var pid = PageWalkTests.NewPid();
        var page = await NewPageAsync("nb-NO");

        // First login: enrollment.
        await LogInWithKeysAsync(page, pid);
        await Expect(page).ToHaveURLAsync(Idp.Url("/account/enroll").AbsoluteUri);
        var phone = LoginSteps.Phone.Of(pid);
        phone.Secret = (await page.Locator("code.secret").InnerTextAsync()).Replace(" ", "", StringComparison.Ordinal);
        await TabToAsync(page, "input#code");
        await page.Keyboard.TypeAsync(phone.NextCode());
        await TabToAsync(page, "main form:has(input#code) button[type=submit]");
        await page.Keyboard.PressAsync("Enter");

        await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/account/welcome"));
        await TabToAsync(page, "#skip");
        await page.Keyboard.PressAsync("Enter");
        await Expect(page).ToHaveURLAsync(Idp.Url("/").AbsoluteUri);

        // A later login, in a new browser (no session): the code page.
        var later = await NewPageAsync("nb-NO");
        await LogInWithKeysAsync(later, pid);
        await Expect(later).ToHaveURLAsync(Idp.Url("/account/code").AbsoluteUri);
        await TabToAsync(later, "input#code");
        await later.Keyboard.TypeAsync(phone.NextCode());
        await TabToAsync(later, "main form:has(input#code) button[type=submit]");
        // Back with Shift+Tab to the field, forward again, and the button pressed with Space.
        await later.Keyboard.PressAsync("Shift+Tab");
        await ExpectFocusOnAsync(later, "input#code");
        await later.Keyboard.PressAsync("Tab");
        await ExpectFocusOnAsync(later, "main form:has(input#code) button[type=submit]");
        await later.Keyboard.PressAsync("Space");
        await Expect(later).ToHaveURLAsync(Idp.Url("/").AbsoluteUri);
    }

    private async Task LogInWithKeysAsync(IPage page, string pid)
    {
        await page.GotoAsync(Idp.Url("/account/login").AbsoluteUri);
        await TabToAsync(page, "main form:first-of-type button[type=submit]");
        await page.Keyboard.PressAsync("Enter");
        await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/idporten-sim/authorize"));

        await TabToAsync(page, "#sim_pid_other");
        await page.Keyboard.TypeAsync(pid);
        await TabToAsync(page, "input[name=sim_acr]:checked");
        await TabToAsync(page, "form button[type=submit]:not([name])");
        await page.Keyboard.PressAsync("Enter");
        await Expect(page).Not.ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/idporten-sim/"));
    }

    /// <summary>Presses Tab until <paramref name="selector"/> has focus, checking on each step that focus is visible.</summary>
    private async Task TabToAsync(IPage page, string selector)
    {
        for (var tabs = 0; tabs <= MaxTabs; tabs++)
        {
            if (await FocusIsOnAsync(page, selector))
            {
                return;
            }

            await page.Keyboard.PressAsync("Tab");
            await ExpectVisibleFocusAsync(page);
        }

        throw new Xunit.Sdk.XunitException($"{MaxTabs} presses of Tab on {page.Url} never reached {selector}");
    }

    private static async Task ExpectFocusOnAsync(IPage page, string selector)
    {
        (await FocusIsOnAsync(page, selector)).Should().BeTrue($"focus is on {selector} at {page.Url}");
        await ExpectVisibleFocusAsync(page);
    }

    private static Task<bool> FocusIsOnAsync(IPage page, string selector) =>
        page.EvaluateAsync<bool>("s => document.activeElement !== null && document.activeElement.matches(s)", selector);

    /// <summary>The focused control (not the page itself) has an outline or a box shadow.</summary>
    private static async Task ExpectVisibleFocusAsync(IPage page)
    {
        var focus = await page.EvaluateAsync<string?>("""
            () => {
              const e = document.activeElement;
              if (!e || e === document.body || e === document.documentElement) return null;
              const s = getComputedStyle(e);
              const outline = s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0;
              const shadow = s.boxShadow && s.boxShadow !== 'none';
              return outline || shadow ? '' : e.outerHTML.slice(0, 200);
            }
            """);
        if (!string.IsNullOrEmpty(focus))
        {
            throw new Xunit.Sdk.XunitException($"Focus is invisible on {page.Url}: no outline and no box shadow on {focus}");
        }
    }
}
