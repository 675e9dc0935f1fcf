using System.Globalization;

namespace Educloud.Shared.Localization;

/// <summary>
/// The languages of the hosted pages: Norwegian Bokmål (the default), Norwegian Nynorsk and English.
/// </summary>
/// <remarks>
/// The processes run with invariant globalization (Directory.Build.props): no ICU, and every
/// culture-sensitive API behaves the same on every machine (ICU would make a culture-aware
/// <c>StartsWith</c> ignore zero-width characters, a trap for URL checks). So only the UI culture
/// follows the person; <see cref="CultureInfo.CurrentCulture"/> stays invariant for everything the
/// protocols format, and dates for people go through <see cref="LocalTime"/>. Invariant mode knows no
/// culture parents, which is why language tags are matched here (nb-NO, no → nb) and not by the framework.
/// </remarks>
public static class Languages
{
    public const string Bokmal = "nb";
    public const string Nynorsk = "nn";
    public const string English = "en";

    public const string Default = Bokmal;

    /// <summary>In the order the switcher shows them.</summary>
    public static readonly IReadOnlyList<string> Supported = [Bokmal, Nynorsk, English];

    public static readonly IReadOnlyList<CultureInfo> Cultures = [.. Supported.Select(name => new CultureInfo(name))];

    /// <summary>Each language's own name for itself, as the switcher shows it (written in that language).</summary>
    public static string NativeName(string language) => language switch
    {
        Bokmal => "Bokmål",
        Nynorsk => "Nynorsk",
        _ => "English",
    };

    /// <summary>
    /// The supported language a BCP 47 tag names, or null: "nb", "nb-NO", "no", "no-NO" (the macrolanguage,
    /// which browsers still send) are Bokmål; "nn", "nn-NO" Nynorsk; "en" with any region English.
    /// </summary>
    public static string? Match(string? tag)
    {
        if (string.IsNullOrWhiteSpace(tag) || tag.Length > 35)
        {
            return null;
        }

        var primary = tag.Trim().Split('-', '_')[0].ToLowerInvariant();
        return primary switch
        {
            "nb" or "no" => Bokmal,
            "nn" => Nynorsk,
            "en" => English,
            _ => null,
        };
    }

    /// <summary>The first supported language of a space-separated list (OIDC ui_locales), or null.</summary>
    public static string? FirstOf(string? spaceSeparated) =>
        spaceSeparated?.Split(' ', StringSplitOptions.RemoveEmptyEntries).Take(10).Select(Match).FirstOrDefault(language => language is not null);

    /// <summary>The language of the current request (set by the request localization middleware).</summary>
    public static string Current => Match(CultureInfo.CurrentUICulture.Name) ?? Default;
}
