using System.Net;
using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace Educloud.Idp.EndToEnd.Infrastructure;

/// <summary>
/// An app's texts, read from its resx files (src/IdP/Resources/**/*.{nb,nn,en}.resx for the IdP,
/// src/Admin/Resources for the support console), for telling whether a page shows words of another
/// language or a resource key (a missing text shows its key).
/// </summary>
public sealed partial class ResourceTexts
{
    public static readonly string[] Languages = ["nb", "nn", "en"];

    /// <summary>Shorter fragments ("Log in", "Avbryt") are too often alike in two languages to tell them apart.</summary>
    public const int MinimumFragmentLength = 15;

    private readonly Dictionary<string, List<string>> valuesByLanguage = [];
    private readonly Dictionary<string, List<string>> fragmentsByLanguage = [];

    private ResourceTexts(params string[] resourcesDirectories)
    {
        foreach (var language in Languages)
        {
            valuesByLanguage[language] = [];
            fragmentsByLanguage[language] = [];
        }

        foreach (var file in resourcesDirectories.SelectMany(d => Directory.EnumerateFiles(d, "*.resx", SearchOption.AllDirectories)))
        {
            var match = LanguageOfFile().Match(file);
            if (!match.Success)
            {
                continue;
            }

            var language = match.Groups[1].Value;
            foreach (var data in XDocument.Load(file).Root!.Elements("data"))
            {
                var key = (string?)data.Attribute("name") ?? "";
                if (CompoundPascalCase().IsMatch(key))
                {
                    Keys.Add(key);
                }

                var text = Normalize(WebUtility.HtmlDecode(Markup().Replace((string?)data.Element("value") ?? "", " ")));
                valuesByLanguage[language].Add(text);
                fragmentsByLanguage[language].AddRange(Placeholder().Split(text).Select(f => f.Trim()).Where(f => f.Length >= MinimumFragmentLength));
            }
        }
    }

    public static ResourceTexts Instance { get; } = new(Path.Combine(RepositoryRoot.Path, "src", "IdP", "Resources"));

    /// <summary>
    /// The support console's texts (src/Admin/Resources), with the IdP's: the console shows its own
    /// texts only, but an IdP text of another language (a shared word, a copied sentence) on a console
    /// page is as wrong there, and the IdP's texts of the page's language keep its words from counting as foreign.
    /// </summary>
    public static ResourceTexts Console { get; } = new(
        Path.Combine(RepositoryRoot.Path, "src", "Admin", "Resources"),
        Path.Combine(RepositoryRoot.Path, "src", "IdP", "Resources"));

    /// <summary>
    /// Resource key names that cannot be mistaken for a word of a sentence ("CodeLabel",
    /// "LockedUntil"; not "Title", which may be the English word).
    /// </summary>
    public HashSet<string> Keys { get; } = new(StringComparer.Ordinal);

    /// <summary>Fragments of other languages' texts that none of <paramref name="language"/>'s texts contain.</summary>
    public IReadOnlyList<(string Language, string Fragment)> ForeignFragments(string language) =>
        [.. Languages.Where(other => other != language)
            .SelectMany(other => fragmentsByLanguage[other].Select(fragment => (other, fragment)))
            .Where(f => !valuesByLanguage[language].Any(value => value.Contains(f.fragment, StringComparison.Ordinal)))
            .DistinctBy(f => f.fragment)];

    /// <summary>What a page shows of another language or of resource keys; empty when it is all in <paramref name="language"/>.</summary>
    public IEnumerable<string> Problems(string language, string innerText)
    {
        // An address shown on the page (".../account/enroll-with-code") holds no words of a language.
        var text = Normalize(Address().Replace(innerText, " "));
        foreach (var (other, fragment) in ForeignFragments(language))
        {
            if (text.Contains(fragment, StringComparison.Ordinal))
            {
                yield return $"text in {other}: \"{fragment}\"";
            }
        }

        foreach (Match word in Word().Matches(text))
        {
            if (Keys.Contains(word.Value))
            {
                yield return $"resource key shown: {word.Value}";
            }
        }

        // A page with no resx yet cannot show another language's resource texts, but its hard-coded
        // words still show: a few of the commonest words of the other language, as whole words.
        var markers = language == "en" ? NorwegianMarkers : EnglishMarkers;
        var found = Word().Matches(text).Select(m => m.Value).Where(markers.Contains).Distinct().ToList();
        if (found.Count > 0)
        {
            yield return $"words of {(language == "en" ? "Norwegian" : "English")}: {string.Join(", ", found)}";
        }
    }

    private static readonly HashSet<string> EnglishMarkers = new(["the", "The", "your", "Your", "you", "You", "with", "please", "Please", "this", "This"], StringComparer.Ordinal);

    private static readonly HashSet<string> NorwegianMarkers = new(["og", "ikke", "ikkje", "du", "Du", "deg", "med", "på", "er", "eller", "som", "kan"], StringComparer.Ordinal);

    private static string Normalize(string text) => Whitespace().Replace(text, " ").Trim();

    [GeneratedRegex(@"\.(nb|nn|en)\.resx$")]
    private static partial Regex LanguageOfFile();

    [GeneratedRegex("^[A-Z][a-z0-9]+(?:[A-Z][a-z0-9]*)+$")]
    private static partial Regex CompoundPascalCase();

    [GeneratedRegex("<[^>]*>")]
    private static partial Regex Markup();

    [GeneratedRegex(@"\{\d+(?:[,:][^}]*)?\}")]
    private static partial Regex Placeholder();

    [GeneratedRegex(@"https?://\S+")]
    private static partial Regex Address();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();

    [GeneratedRegex(@"\b\w+\b")]
    private static partial Regex Word();
}

/// <summary>The folder holding Educloud.Idp.sln: where the tests find the IdP's sources and write artifacts/.</summary>
public static class RepositoryRoot
{
    public static string Path { get; } = Find();

    private static string Find()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(System.IO.Path.Combine(directory.FullName, "Educloud.Idp.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("Cannot find the repository (Educloud.Idp.sln) above " + AppContext.BaseDirectory);
    }
}
