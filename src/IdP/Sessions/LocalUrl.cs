using System.Diagnostics.CodeAnalysis;
using System.Text;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Educloud.Idp.Sessions;

/// <summary>
/// The one open-redirect guard of the IdP: every "way back" (returnUrl of the login, code and
/// enrollment pages, ID-porten's round trip, logout) is checked here and emitted from here.
/// </summary>
/// <remarks>
/// The rule is the framework's own (<see cref="RedirectHttpResult.IsLocalUrl"/>, the rule behind
/// <c>Url.IsLocalUrl</c> and <c>LocalRedirect</c>): an absolute path (<c>/x</c>) or an app-relative
/// one (<c>~/x</c>), never <c>//</c>, <c>/\</c>, <c>~//</c>, <c>~/\</c>, a scheme, or any control
/// character. Control characters matter because browsers drop TAB, CR and LF inside URLs
/// (WHATWG URL, "remove all ASCII tab or newline"): <c>/&lt;TAB&gt;/evil</c> becomes <c>//evil</c>
/// in the browser, another host (OWASP ASVS 5 1.2.2 / CWE-601). We add only a length cap.
/// </remarks>
public static class LocalUrl
{
    /// <summary>
    /// Longer ways back are refused: the longest we make is an authorization request, which
    /// arrives in a request line of at most 8 KB (Kestrel's limit).
    /// </summary>
    public const int MaxLength = 8 * 1024;

    public static bool IsLocal([NotNullWhen(true)] string? url) =>
        url is { Length: <= MaxLength } && RedirectHttpResult.IsLocalUrl(url);

    /// <summary>
    /// The way back as a path on this site: <paramref name="url"/> if it is local (an app-relative
    /// <c>~/x</c> resolved against the path base, as <c>LocalRedirect</c> does), else the start page.
    /// </summary>
    public static string OrRoot(string? url, PathString pathBase = default)
    {
        if (!IsLocal(url))
        {
            return pathBase.Value + "/";
        }

        return url[0] == '~' ? pathBase.Value + url[1..] : url;
    }

    /// <summary>
    /// The value of the Location header for a way back: checked (<see cref="OrRoot"/>), then every
    /// character outside printable ASCII, and the space and backslash, percent-encoded (UTF-8). Nothing is ever
    /// decoded, so the browser reads exactly the path that was checked; a header value is plain
    /// ASCII (Kestrel refuses anything else with an exception, which would be a 500); and a
    /// backslash, which browsers read as a slash, stays a plain character of the path.
    /// </summary>
    public static string ToLocation(string? url, PathString pathBase = default)
    {
        var local = OrRoot(url, pathBase);
        if (local.All(c => c is > ' ' and < '\u007f' and not '\\'))
        {
            return local;
        }

        var location = new StringBuilder(local.Length + 16);
        Span<byte> bytes = stackalloc byte[4];
        for (var i = 0; i < local.Length; i++)
        {
            var c = local[i];
            if (c is > ' ' and < '\u007f' and not '\\')
            {
                location.Append(c);
                continue;
            }

            // A surrogate pair is one code point; a lone surrogate (not valid text) becomes U+FFFD.
            var count = char.IsHighSurrogate(c) && i + 1 < local.Length && char.IsLowSurrogate(local[i + 1])
                ? Encoding.UTF8.GetBytes(local.AsSpan(i++, 2), bytes)
                : Encoding.UTF8.GetBytes(char.IsSurrogate(c) ? "\uFFFD" : c.ToString(), bytes);
            foreach (var b in bytes[..count])
            {
                location.Append('%').Append(b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
            }
        }

        return location.ToString();
    }

    /// <summary>A redirect (302) to the checked way back, for minimal API endpoints.</summary>
    public static IResult Redirect(HttpContext http, string? url) => Results.Redirect(ToLocation(url, http.Request.PathBase));

    /// <summary>A redirect (302) to the checked way back, for Razor Pages.</summary>
    public static Microsoft.AspNetCore.Mvc.RedirectResult RedirectResult(HttpContext http, string? url) => new(ToLocation(url, http.Request.PathBase));
}
