namespace Educloud.Idp.Federation;

/// <summary>
/// ID-porten's issuer compared in one canonical form: scheme and host without regard to case, the
/// default port made explicit, the path without a trailing slash (ID-porten writes
/// https://test.idporten.no, an operator may configure https://test.idporten.no/). A trailing slash
/// is not a different issuer (RFC 8414 3.3 forbids it from differing only for discovery paths, yet
/// both forms circulate); anything else is (OIDC Core 3.1.3.7 item 2 demands an exact match).
/// </summary>
public static class CanonicalIssuer
{
    /// <summary>The canonical form, or null when <paramref name="issuer"/> is no absolute http(s) URL without query or fragment.</summary>
    public static string? Of(string? issuer)
    {
        if (!Uri.TryCreate(issuer, UriKind.Absolute, out var uri) || uri.Scheme is not ("https" or "http")
            || uri.Query.Length > 0 || uri.Fragment.Length > 0 || uri.UserInfo.Length > 0)
        {
            return null;
        }

        return $"{uri.Scheme}://{uri.IdnHost.ToLowerInvariant()}:{uri.Port}{uri.AbsolutePath.TrimEnd('/')}";
    }

    /// <summary>Whether both name the same issuer; never for an unreadable one.</summary>
    public static bool Same(string? a, string? b) => Of(a) is { } left && string.Equals(left, Of(b), StringComparison.Ordinal);
}
