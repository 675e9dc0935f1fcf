using System.Globalization;
using System.Security.Claims;
using Educloud.Idp.Data;
using Educloud.Idp.Federation;
using Educloud.Idp.Sessions;
using Microsoft.AspNetCore.Identity;
using OpenIddict.Abstractions;
using OpenIddict.Server.AspNetCore;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace Educloud.Idp.Connect;

/// <summary>
/// The one place where the claims that apps receive are built and where each claim's destination
/// (id_token, access token) is decided. Authorize, token and userinfo all come through here.
/// </summary>
public sealed class IdpClaims(PidProtector pids, UserManager<IdpUser> users, IOpenIddictApplicationManager applications)
{
    /// <summary>Principal for a login: the user plus what the IdP session proves (auth_time, acr, amr, sid).</summary>
    public Task<ClaimsPrincipal> ForLoginAsync(IdpUser user, SessionFacts session, IEnumerable<string> grantedScopes, string clientId)
    {
        var identity = NewIdentity();
        identity.SetClaim(Claims.Subject, user.Id)
                .SetClaim(Claims.AuthenticationContextReference, session.Acr)
                .SetClaim(IdpClaimTypes.SessionId, session.SessionId);
        // auth_time must be a JSON number (OIDC Core 2), so it carries an integer value type.
        identity.AddClaim(new Claim(Claims.AuthenticationTime,
            session.AuthenticatedAt.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture), ClaimValueTypes.Integer64));
        identity.SetClaims(Claims.AuthenticationMethodReference, [.. session.Amr]);
        return FinishAsync(identity, user, grantedScopes, clientId);
    }

    /// <summary>Principal for a refresh or code redemption: keep what the login proved, refresh what the user is (and the audience).</summary>
    public Task<ClaimsPrincipal> ForRedemptionAsync(ClaimsPrincipal stored, IdpUser user, string clientId)
    {
        var identity = NewIdentity();
        foreach (var type in new[] { Claims.Subject, Claims.AuthenticationTime, Claims.AuthenticationContextReference, IdpClaimTypes.SessionId })
        {
            if (stored.FindFirst(type) is { } claim)
            {
                identity.AddClaim(new Claim(type, claim.Value, claim.ValueType));
            }
        }

        identity.SetClaims(Claims.AuthenticationMethodReference, [.. stored.GetClaims(Claims.AuthenticationMethodReference)]);
        identity.SetAuthorizationId(stored.GetAuthorizationId());
        return FinishAsync(identity, user, stored.GetScopes(), clientId);
    }

    /// <summary>Principal for a machine client (client_credentials): the subject is the client itself.</summary>
    public async Task<ClaimsPrincipal> ForClientAsync(string clientId, IEnumerable<string> grantedScopes, CancellationToken cancellationToken)
    {
        var application = await applications.FindByClientIdAsync(clientId, cancellationToken);
        var displayName = application is null ? null : await applications.GetDisplayNameAsync(application, cancellationToken);
        var identity = NewIdentity();
        identity.SetClaim(Claims.Subject, clientId).SetClaim(Claims.Name, displayName);
        identity.SetScopes(grantedScopes);
        identity.SetResources(await AppAudience.OfAsync(applications, clientId, cancellationToken));
        identity.SetDestinations(static _ => [Destinations.AccessToken]);
        return new ClaimsPrincipal(identity);
    }

    /// <summary>The userinfo response (OIDC Core 5.3): sub always, the rest by granted scope.</summary>
    public Dictionary<string, object> UserInfo(IdpUser user, ClaimsPrincipal accessToken)
    {
        var info = new Dictionary<string, object>(StringComparer.Ordinal) { [Claims.Subject] = user.Id };
        if (accessToken.HasScope(Scopes.Profile))
        {
            info[Claims.Name] = DisplayName(user);
            info[Claims.PreferredUsername] = user.UserName ?? user.Id;
        }

        if (accessToken.HasScope(Scopes.Email) && user.Email is not null)
        {
            info[Claims.Email] = user.Email;
            info[Claims.EmailVerified] = user.EmailConfirmed;
        }

        if (accessToken.HasScope(IdpScopes.Pid) && pids.Reveal(user) is { } pid)
        {
            info[IdpClaimTypes.Pid] = pid;
        }

        return info;
    }

    // ID-porten releases no names, so a person without a name set by support is shown by username.
    private static string DisplayName(IdpUser user) => user.DisplayName ?? user.UserName ?? user.Id;

    private static ClaimsIdentity NewIdentity() =>
        new(OpenIddictServerAspNetCoreDefaults.AuthenticationScheme, Claims.Name, Claims.Role);

    private async Task<ClaimsPrincipal> FinishAsync(ClaimsIdentity identity, IdpUser user, IEnumerable<string> grantedScopes, string clientId)
    {
        var scopes = grantedScopes.ToList();
        identity.SetScopes(scopes);

        // Every access token names the one API it is for (OpenIddict turns the resources into its
        // aud): the app's API resource, by default the app itself (AppAudience). Read at every issue,
        // so a changed audience applies from the next refresh.
        // The admin API: its own audience only (the token is good there and nowhere else), and the
        // person's admin roles read fresh at every issue (a refresh after a role is taken away no
        // longer carries it).
        if (scopes.Contains(IdpScopes.AdminApi))
        {
            identity.SetResources(IdpScopes.AdminApiAudience);
            var roles = (await users.GetRolesAsync(user)).Where(AdminRoles.All.Contains).ToList();
            identity.SetClaims(Claims.Role, [.. roles]);
        }
        else
        {
            identity.SetResources(await AppAudience.OfAsync(applications, clientId, CancellationToken.None));
        }

        if (scopes.Contains(Scopes.Profile))
        {
            identity.SetClaim(Claims.Name, DisplayName(user))
                    .SetClaim(Claims.PreferredUsername, user.UserName ?? user.Id);
        }

        if (scopes.Contains(Scopes.Email) && user.Email is not null)
        {
            identity.SetClaim(Claims.Email, user.Email);
        }

        if (scopes.Contains(IdpScopes.Pid) && pids.Reveal(user) is { } pid)
        {
            identity.SetClaim(IdpClaimTypes.Pid, pid);
        }

        identity.SetDestinations(Destination);
        return new ClaimsPrincipal(identity);
    }

    // The access token carries what a resource server decides on; the id_token tells the app who
    // logged in and how. The pid goes only into the id_token (and userinfo), never to APIs.
    private static IEnumerable<string> Destination(Claim claim) => claim.Type switch
    {
        Claims.Subject => [Destinations.AccessToken, Destinations.IdentityToken],
        Claims.AuthenticationTime or Claims.AuthenticationContextReference or Claims.AuthenticationMethodReference
            => [Destinations.AccessToken, Destinations.IdentityToken],
        IdpClaimTypes.SessionId => [Destinations.IdentityToken],
        Claims.Name or Claims.PreferredUsername or Claims.Email => [Destinations.AccessToken, Destinations.IdentityToken],
        // Roles go to the id_token too, so an admin app (the support console) can decide what to show
        // without reading an access token meant for the API. Only with the admin_api scope (above).
        Claims.Role => [Destinations.AccessToken, Destinations.IdentityToken],
        IdpClaimTypes.Pid => [Destinations.IdentityToken],
        _ => [],
    };
}
