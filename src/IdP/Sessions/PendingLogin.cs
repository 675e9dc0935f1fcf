using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;

namespace Educloud.Idp.Sessions;

/// <summary>Why the person proved the first factor: to log in, or to set up a new authenticator.</summary>
public static class LoginPurpose
{
    public const string Login = "login";
    public const string Enroll = "enroll";
}

/// <summary>
/// A first factor proven (ID-porten), the second not yet. Lives in its own short-lived cookie,
/// which grants nothing but the code and enrollment pages: no session, no token.
/// </summary>
public sealed record PendingLogin(string UserId, string Purpose, UpstreamLogin Upstream, string ReturnUrl)
{
    /// <summary>The research app this login is for (the client_id of the authorization request it returns to), for the audit log.</summary>
    public string? ClientId =>
        Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(ReturnUrl.IndexOf('?', StringComparison.Ordinal) is var i and >= 0 ? ReturnUrl[i..] : "")
            .TryGetValue("client_id", out var id) ? id.ToString() : null;

    public const string Scheme = "Educloud.PendingLogin";
    public const string CookieName = "__Host-educloud-login";
    public static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(10);

    public async Task SignInAsync(HttpContext http, TimeProvider time)
    {
        var identity = new ClaimsIdentity(Scheme);
        identity.AddClaim(new Claim("sub", UserId));
        identity.AddClaim(new Claim("purpose", Purpose));
        identity.AddClaim(new Claim("upstream_acr", Upstream.Acr));
        identity.AddClaim(new Claim("return_url", ReturnUrl));
        if (Upstream.SessionId is not null)
        {
            identity.AddClaim(new Claim("upstream_sid", Upstream.SessionId));
        }

        if (Upstream.IdToken is not null)
        {
            identity.AddClaim(new Claim("upstream_id_token", Upstream.IdToken));
        }

        foreach (var amr in Upstream.Amr)
        {
            identity.AddClaim(new Claim("upstream_amr", amr));
        }

        var now = time.GetUtcNow();
        await http.SignInAsync(Scheme, new ClaimsPrincipal(identity), new AuthenticationProperties
        {
            IssuedUtc = now,
            ExpiresUtc = now + Lifetime,
            AllowRefresh = false,
        });
    }

    public static async Task<PendingLogin?> ReadAsync(HttpContext http)
    {
        var result = await http.AuthenticateAsync(Scheme);
        if (!result.Succeeded || result.Principal is not { } principal)
        {
            return null;
        }

        var sub = principal.FindFirstValue("sub");
        var purpose = principal.FindFirstValue("purpose");
        var acr = principal.FindFirstValue("upstream_acr");
        if (sub is null || purpose is null || acr is null)
        {
            return null;
        }

        var upstream = new UpstreamLogin(principal.FindFirstValue("upstream_sid"), acr,
            principal.FindAll("upstream_amr").Select(c => c.Value).ToList(), principal.FindFirstValue("upstream_id_token"));
        return new PendingLogin(sub, purpose, upstream, principal.FindFirstValue("return_url") ?? "/");
    }

    public static Task ClearAsync(HttpContext http) => http.SignOutAsync(Scheme);
}
