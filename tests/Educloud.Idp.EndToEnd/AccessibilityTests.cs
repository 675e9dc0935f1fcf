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
