using System.Globalization;
using System.Security.Claims;
using Educloud.Idp.Connect;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace Educloud.Idp.Sessions;

/// <summary>What an IdP session proves about a login, read from the session cookie.</summary>
public sealed record SessionFacts(string SessionId, string UserId, DateTimeOffset AuthenticatedAt, string Acr, IReadOnlyList<string> Amr)
{
    public static SessionFacts? From(ClaimsPrincipal principal)
    {
        var sid = principal.FindFirstValue(IdpClaimTypes.SessionId);
        var sub = principal.FindFirstValue(Claims.Subject);
        var authTime = principal.FindFirstValue(Claims.AuthenticationTime);
        var acr = principal.FindFirstValue(Claims.AuthenticationContextReference);
        if (sid is null || sub is null || acr is null
            || !long.TryParse(authTime, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds))
        {
            return null;
        }

        var amr = principal.FindAll(Claims.AuthenticationMethodReference).Select(c => c.Value).ToList();
        return new SessionFacts(sid, sub, DateTimeOffset.FromUnixTimeSeconds(seconds), acr, amr);
    }

    public ClaimsPrincipal ToPrincipal()
    {
        var identity = new ClaimsIdentity(SessionDefaults.Scheme, Claims.Subject, Claims.Role);
        identity.AddClaim(new Claim(IdpClaimTypes.SessionId, SessionId));
        identity.AddClaim(new Claim(Claims.Subject, UserId));
        identity.AddClaim(new Claim(Claims.AuthenticationTime, AuthenticatedAt.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture), ClaimValueTypes.Integer64));
        identity.AddClaim(new Claim(Claims.AuthenticationContextReference, Acr));
        foreach (var value in Amr)
        {
            identity.AddClaim(new Claim(Claims.AuthenticationMethodReference, value));
        }

        return new ClaimsPrincipal(identity);
    }
}

public static class SessionDefaults
{
    public const string Scheme = "Educloud.Session";

    /// <summary>__Host- prefix: Secure, no Domain, Path=/ (RFC 6265bis 4.1.3.2), so no subdomain can plant or read it.</summary>
    public const string CookieName = "__Host-educloud-session";
}
