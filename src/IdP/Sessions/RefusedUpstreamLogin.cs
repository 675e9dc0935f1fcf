using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;

namespace Educloud.Idp.Sessions;

/// <summary>
/// An ID-porten login that did not become a login here (not registered, level too low): ID-porten's
/// session exists all the same, so the refusal page offers "Log out", which needs ID-porten's
/// id_token as id_token_hint. It is kept in a short-lived cookie of its own (encrypted with Data
/// Protection, like the pending login's: it holds the pid) that grants nothing; the logout takes it.
/// </summary>
public static class RefusedUpstreamLogin
{
    public const string Scheme = "Educloud.RefusedUpstreamLogin";
    public const string CookieName = "__Host-educloud-idporten-logout";

    private const string IdTokenClaim = "upstream_id_token";

    /// <summary>Keeps ID-porten's id_token of a refused login for the logout (<paramref name="idToken"/> null: nothing to keep).</summary>
    public static async Task KeepAsync(HttpContext http, string? idToken)
    {
        if (string.IsNullOrEmpty(idToken))
        {
            return;
        }

        var identity = new ClaimsIdentity(Scheme);
        identity.AddClaim(new Claim(IdTokenClaim, idToken));
        var now = http.RequestServices.GetRequiredService<TimeProvider>().GetUtcNow();
        await http.SignInAsync(Scheme, new ClaimsPrincipal(identity), new AuthenticationProperties
        {
            IssuedUtc = now,
            ExpiresUtc = now + PendingLogin.Lifetime,
            AllowRefresh = false,
        });
    }

    /// <summary>The kept id_token, if any; the cookie is deleted either way.</summary>
    public static async Task<string?> TakeAsync(HttpContext http)
    {
        var result = await http.AuthenticateAsync(Scheme);
        if (result.None)
        {
            return null;
        }

        await http.SignOutAsync(Scheme);
        return result.Principal?.FindFirstValue(IdTokenClaim);
    }
}
