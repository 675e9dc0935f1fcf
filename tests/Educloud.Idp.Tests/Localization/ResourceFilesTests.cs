using System.Text.RegularExpressions;
using System.Xml.Linq;
using Educloud.Idp.Tests.Settings;
using Educloud.Shared.Localization;

namespace Educloud.Idp.Tests.Localization;

/// <summary>
/// Every text exists in every language: each resource file has its three languages with the same
/// keys and no empty value, and every key a page asks for is in its page's file (or the shared one).
/// A missing key would show its name on the page (the localizers fall back to the key).
/// </summary>
public sealed partial class ResourceFilesTests
{
    public static TheoryData<string> ResourceRoots() => new() { "src/IdP/Resources", "src/Admin/Resources" };

    [Theory]
    [MemberData(nameof(ResourceRoots))]
    public void EveryResourceFile_HasTheSameKeysInEveryLanguage_AndNoEmptyText(string root)
    {
        var problems = new List<string>();
        foreach (var (baseName, languages) in ResourceBases(root))
        {
            foreach (var language in Languages.Supported)
            {
                if (!languages.TryGetValue(language, out var texts))
                {
                    problems.Add($"{baseName}: no {language} file");
                    continue;
                }

                problems.AddRange(texts.Where(text => string.IsNullOrWhiteSpace(text.Value)).Select(text => $"{baseName}.{language}: {text.Key} is empty"));
                foreach (var other in languages.Where(other => other.Key != language))
                {
                    problems.AddRange(texts.Keys.Except(other.Value.Keys).Select(key => $"{baseName}: {key} is in {language} but not in {other.Key}"));
                }
            }

            problems.AddRange(languages.Keys.Except(Languages.Supported).Select(extra => $"{baseName}: a file for {extra}, which the pages do not offer"));
        }

        problems.Should().BeEmpty();
    }

    [Theory]
    [InlineData("src/IdP/Pages", "src/IdP/Resources", "src/IdP/Resources/Localization/SharedTexts")]
    [InlineData("src/Admin/Pages", "src/Admin/Resources", "src/Admin/Resources/Localization/SharedTexts")]
    public void EveryKeyAPageAsksFor_IsInItsResourceFile(string pages, string resources, string shared)
    {
        var root = SettingsSchemaTests.RepoRoot();
        if (!Directory.Exists(Path.Combine(root, pages)))
        {
            return;
        }

        var sharedKeys = Keys(Path.Combine(root, shared + ".en.resx"));
        var problems = new List<string>();
        foreach (var view in Directory.EnumerateFiles(Path.Combine(root, pages), "*.cshtml", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(Path.Combine(root, pages), view);
            var own = Keys(Path.Combine(root, resources, "Pages", Path.ChangeExtension(relative, null) + ".en.resx"));
            var source = File.ReadAllText(view);
            problems.AddRange(KeyUse("Localizer").Matches(source).Select(m => m.Groups["key"].Value).Distinct()
                .Where(key => !own.Contains(key)).Select(key => $"{relative}: Localizer[\"{key}\"] is not in its resource file"));
            problems.AddRange(KeyUse("Shared").Matches(source).Select(m => m.Groups["key"].Value).Distinct()
                .Where(key => !sharedKeys.Contains(key)).Select(key => $"{relative}: Shared[\"{key}\"] is not in SharedTexts"));
        }

        problems.Should().BeEmpty();
    }

    private static Regex KeyUse(string localizer) => new(Regex.Escape(localizer) + @"\[""(?<key>[^""]+)""");

    private static HashSet<string> Keys(string resx) => File.Exists(resx)
        ? [.. XDocument.Load(resx).Root!.Elements("data").Select(data => (string)data.Attribute("name")!)]
        : [];

    /// <summary>Resource bases (path without language) and, per language, their texts.</summary>
    internal static Dictionary<string, Dictionary<string, Dictionary<string, string>>> ResourceBases(string root)
    {
        var directory = Path.Combine(SettingsSchemaTests.RepoRoot(), root);
        var bases = new Dictionary<string, Dictionary<string, Dictionary<string, string>>>();
        if (!Directory.Exists(directory))
        {
            return bases;
        }

        foreach (var file in Directory.EnumerateFiles(directory, "*.resx", SearchOption.AllDirectories))
        {
            var match = CultureSuffix().Match(file);
            var baseName = Path.GetRelativePath(directory, match.Success ? file[..match.Index] : Path.ChangeExtension(file, null));
            var language = match.Success ? match.Groups["lang"].Value : "(neutral)";
            var texts = XDocument.Load(file).Root!.Elements("data")
                .ToDictionary(data => (string)data.Attribute("name")!, data => (string?)data.Element("value") ?? "");
            bases.TryAdd(baseName, []);
            bases[baseName][language] = texts;
        }

        return bases;
    }

    [GeneratedRegex(@"\.(?<lang>[a-z]{2})\.resx$")]
    private static partial Regex CultureSuffix();
}
