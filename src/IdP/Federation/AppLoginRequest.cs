using Educloud.Idp.Connect;
using Educloud.Idp.Settings;
using Microsoft.AspNetCore.WebUtilities;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace Educloud.Idp.Federation;

/// <summary>
/// What a research app's authorization request asks of ID-porten: the level of assurance
/// (acr_values) and the language of its pages (ui_locales). Read from the way back of the login
/// (the app's request to /connect/authorize, replayed after the login). The browser could alter
/// that way back, but only for its own login: /connect/authorize checks the session's acr against
/// the request it finally answers (<see cref="LevelFor"/> again), so a code for a request asking
/// idporten-loa-high never comes from a login at substantial.
/// </summary>
public sealed record AppLoginRequest(string Level, string? UiLocales)
{
    /// <summary>At most this many language tags are passed on; ID-porten honours the first it knows.</summary>
    private const int MaxLocales = 5;

    /// <summary>
    /// The level to ask of ID-porten: the configured minimum, raised to the lowest ID-porten level
    /// the app names in acr_values (OIDC Core 3.1.2.1: the values are alternatives, so the lowest
    /// known one is what the app accepts). Values that are not ID-porten levels are ignored.
    /// </summary>
    public static string LevelFor(string? acrValues, string configured)
    {
        var known = (acrValues ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries).Where(AcrLevels.IsKnown).ToList();
        if (known.Count == 0)
        {
            return configured;
        }

        var lowest = known.Contains(AcrLevels.Substantial) ? AcrLevels.Substantial : AcrLevels.High;
        return AcrLevels.Satisfies(lowest, configured) ? lowest : configured;
    }

    /// <summary>
    /// The app's ui_locales as ID-porten may receive them: well-formed language tags only (letters,
    /// digits and '-', RFC 5646 at most 35 characters each), at most <see cref="MaxLocales"/>; null when none.
    /// </summary>
    public static string? UiLocalesFrom(string? value)
    {
        var tags = (value ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .Where(t => t.Length <= 35 && t.All(c => char.IsAsciiLetterOrDigit(c) || c == '-'))
            .Take(MaxLocales)
            .ToList();
        return tags.Count == 0 ? null : string.Join(' ', tags);
    }

    /// <summary>
    /// The request in <paramref name="returnUrl"/> (a local path, already checked) when it is an app's
    /// authorization request; otherwise the configured level and no languages (the IdP's own pages).
    /// </summary>
    public static AppLoginRequest From(string returnUrl, string pathBase, string configured)
    {
        var query = QueryOf(returnUrl, pathBase);
        if (query is null)
        {
            return new AppLoginRequest(configured, null);
        }

        return new AppLoginRequest(
            LevelFor(query.TryGetValue(Parameters.AcrValues, out var acr) ? acr.ToString() : null, configured),
            UiLocalesFrom(query.TryGetValue(Parameters.UiLocales, out var locales) ? locales.ToString() : null));
    }

    /// <summary>The query of <paramref name="returnUrl"/> if it is this IdP's authorization endpoint, else null.</summary>
    internal static Dictionary<string, Microsoft.Extensions.Primitives.StringValues>? QueryOf(string returnUrl, string pathBase)
    {
        var mark = returnUrl.IndexOf('?', StringComparison.Ordinal);
        var path = mark < 0 ? returnUrl : returnUrl[..mark];
        return path == pathBase + "/" + ConnectPaths.Authorize && mark >= 0 ? QueryHelpers.ParseQuery(returnUrl[mark..]) : null;
    }
}
