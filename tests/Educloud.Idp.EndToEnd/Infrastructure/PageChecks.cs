using Deque.AxeCore.Commons;
using Deque.AxeCore.Playwright;
using Microsoft.Playwright;

namespace Educloud.Idp.EndToEnd.Infrastructure;

/// <summary>
/// What the page walk checks on every page, at every width: a full-page screenshot under
/// artifacts/screenshots/&lt;language&gt;/&lt;width&gt;/&lt;page&gt;.png, axe-core (WCAG 2.0/2.1 A and AA:
/// zero violations of any impact), <c>&lt;html lang&gt;</c>, no text of another language and no
/// resource key, and no sideways scrolling. Problems are collected, not thrown, so that one run
/// lists them all.
/// </summary>
/// <param name="texts">The product's texts (default: the IdP's, <see cref="ResourceTexts.Instance"/>).</param>
/// <param name="area">A folder under artifacts/screenshots/ for another app's pages ("console"); none for the IdP's.</param>
/// <param name="data">A CSS selector of elements that show what people typed (an app's name in the console's app list):
/// in whatever language they wrote it, so left out of the language checks like <c>code</c> (setting names, scopes, secrets).</param>
public sealed class PageChecks(string language, Action<string> log, ResourceTexts? texts = null, string? area = null, string? data = null)
{
    public static readonly int[] Widths = [360, 1280];

    private static readonly AxeRunOptions Wcag21AA = new()
    {
        RunOnly = new RunOnlyOptions { Type = "tag", Values = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] },
    };

    private readonly List<string> problems = [];

    public string Language { get; } = language;

    public IReadOnlyList<string> Problems
    {
        get
        {
            lock (problems)
            {
                return [.. problems];
            }
        }
    }

    /// <summary>artifacts/screenshots/&lt;language&gt;/&lt;folder: the width, or "print"&gt;/&lt;name&gt;.png under the repository root.</summary>
    public static string ScreenshotPath(string language, string folder, string name, string? area = null) =>
        area is null
            ? Path.Combine(RepositoryRoot.Path, "artifacts", "screenshots", language, folder, name + ".png")
            : Path.Combine(RepositoryRoot.Path, "artifacts", "screenshots", area, language, folder, name + ".png");

    /// <summary>Checks the page as it is now at each width (the viewport is resized; the page is not reloaded).</summary>
    public async Task CheckAsync(IPage page, string name)
    {
        var path = new Uri(page.Url).PathAndQuery;
        foreach (var width in Widths)
        {
            await page.SetViewportSizeAsync(width, width < 600 ? 800 : 900);
            var where = $"{Language} {width}px {name} ({path})";
            var screenshot = ScreenshotPath(Language, width.ToString(System.Globalization.CultureInfo.InvariantCulture), name, area);
            Directory.CreateDirectory(Path.GetDirectoryName(screenshot)!);
            await page.ScreenshotAsync(new() { Path = screenshot, FullPage = true });

            var axe = await page.RunAxe(Wcag21AA);
            foreach (var violation in axe.Violations)
            {
                Add($"{where}: axe {violation.Impact} {violation.Id}: {violation.Help} ({violation.HelpUrl}) at " +
                    string.Join(" | ", violation.Nodes.Select(n =>
                        $"{n.Target}: {Shorten(n.Html)} — {string.Join("; ", n.Any.Concat(n.All).Concat(n.None).Select(c => c.Message))}")));
            }

            var overflow = await page.EvaluateAsync<int>("() => document.documentElement.scrollWidth - document.documentElement.clientWidth");
            if (overflow > 0)
            {
                Add($"{where}: the page is {overflow}px wider than the window (sideways scrolling)");
            }
        }

        var where1 = $"{Language} {name} ({path})";
        var lang = await page.EvaluateAsync<string>("() => document.documentElement.lang");
        if (lang != Language)
        {
            Add($"{where1}: <html lang=\"{lang}\">, expected \"{Language}\"");
        }

        // Parts marked as another language (lang="en" on a technical error code, the switcher's
        // own names) are that language on purpose (WCAG 3.1.2): they are left out, the rest counts.
        // So are code (a setting's name such as Idp:ClientId is no missing text) and the data selector.
        var text = await page.EvaluateAsync<string>("""
            ([language, data]) => {
              const foreign = [...document.body.querySelectorAll('[lang]')]
                .filter(e => e.lang.toLowerCase().split('-')[0] !== language)
                .concat([...document.body.querySelectorAll(data ? 'code, ' + data : 'code')]);
              const saved = foreign.map(e => e.style.display);
              foreign.forEach(e => e.style.display = 'none');
              const text = document.body.innerText;
              foreign.forEach((e, i) => e.style.display = saved[i]);
              return text;
            }
            """, new[] { Language, data ?? "" });
        foreach (var problem in (texts ?? ResourceTexts.Instance).Problems(Language, text))
        {
            Add($"{where1}: {problem}");
        }

        log($"checked {where1}");
    }

    public void Add(string problem)
    {
        lock (problems)
        {
            problems.Add(problem);
        }
    }

    private static string Shorten(string html) => html.Length <= 160 ? html : html[..160] + "…";
}
