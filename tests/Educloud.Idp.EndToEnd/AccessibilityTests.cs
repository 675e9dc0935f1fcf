using Deque.AxeCore.Playwright;
using Educloud.Idp.EndToEnd.Infrastructure;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Educloud.Idp.EndToEnd;

public sealed class AccessibilityTests(EndToEndFixture fixture, ITestOutputHelper output) : EndToEndTest(fixture, output)
{
    private static readonly string[] Blocking = ["serious", "critical"];

    [Fact]
    public async Task LoginPages_HaveNoSeriousAccessibilityViolations()
    {
        var page = await NewPageAsync();
        var violations = new List<string>();

        await page.GotoAsync(Idp.Url("/").AbsoluteUri);
        violations.AddRange(await SeriousViolationsAsync(page, "start page"));

        await page.GetByRole(AriaRole.Link, new() { Name = "Log in", Exact = true }).ClickAsync();
        await Expect(page).ToHaveURLAsync(Idp.Url("/account/login").AbsoluteUri);
        violations.AddRange(await SeriousViolationsAsync(page, "login page"));

        await LoginSteps.ChooseIdPortenAsync(page);
        violations.AddRange(await SeriousViolationsAsync(page, "ID-porten simulator page"));

        violations.Should().BeEmpty("axe-core finds no serious or critical WCAG problems on the pages of a login");
    }

    [Fact]
    public async Task EnrollmentAndCodePages_HaveNoSeriousAccessibilityViolations()
    {
        var page = await NewPageAsync();
        var violations = new List<string>();

        // The second synthetic person, who has no authenticator yet: the enrollment page.
        await page.GotoAsync(Idp.Url("/account/login").AbsoluteUri);
        await LoginSteps.ChooseIdPortenAsync(page);
        await page.GetByRole(AriaRole.Group, new() { Name = "Synthetic person" }).GetByRole(AriaRole.Radio).Nth(1).CheckAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Log in", Exact = true }).ClickAsync();
        await Expect(page).ToHaveURLAsync(Idp.Url("/account/enroll").AbsoluteUri);
        violations.AddRange(await SeriousViolationsAsync(page, "enrollment page"));
        await page.ScreenshotAsync(new() { Path = Path.Combine(Path.GetTempPath(), "e2e-enroll.png"), FullPage = true });
        var code = page.GetByLabel("Code from your app");
        (await code.GetAttributeAsync("autocomplete")).Should().Be("one-time-code");
        (await code.GetAttributeAsync("inputmode")).Should().Be("numeric");

        // A wrong code re-renders the page with the one generic message.
        await code.FillAsync("000000");
        await page.GetByRole(AriaRole.Button, new() { Name = "Confirm" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("That code did not work");
        violations.AddRange(await SeriousViolationsAsync(page, "enrollment page with an error"));

        violations.Should().BeEmpty("axe-core finds no serious or critical WCAG problems on the second-factor pages");
    }

    private async Task<IEnumerable<string>> SeriousViolationsAsync(IPage page, string name)
    {
        var result = await page.RunAxe();
        var serious = result.Violations.Where(v => Blocking.Contains(v.Impact)).ToList();
        WriteLine($"axe on {name} ({page.Url}): {result.Violations.Length} violation(s), {serious.Count} serious or critical" +
            string.Concat(result.Violations.Select(v => $"\n  {v.Impact} {v.Id}: {v.Help}")));
        return serious.Select(v =>
            $"{name}: {v.Impact} {v.Id}: {v.Help} ({v.HelpUrl}) at " +
            string.Join(" | ", v.Nodes.Select(n =>
                $"{n.Target}: {n.Html} — {string.Join("; ", n.Any.Concat(n.All).Concat(n.None).Select(c => c.Message))}")));
    }
}
