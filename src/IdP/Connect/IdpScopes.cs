using static OpenIddict.Abstractions.OpenIddictConstants;

namespace Educloud.Idp.Connect;

public static class IdpScopes
{
    public const string OpenId = Scopes.OpenId;

    /// <summary>The national identity number. Only apps registered with this scope may ask for it.</summary>
    public const string Pid = "pid";

    /// <summary>The IdP's own admin API (/api/admin). Tokens with it carry the audience below and the person's admin roles.</summary>
    public const string AdminApi = "admin_api";

    public const string AdminApiAudience = "educloud-idp-admin";

    public static readonly IReadOnlyList<string> All = [Scopes.OpenId, Scopes.Profile, Scopes.Email, Scopes.OfflineAccess, Pid, AdminApi];

    public static bool IsKnown(string scope) => All.Contains(scope, StringComparer.Ordinal);
}

/// <summary>Claim types of our own (beyond the OIDC standard ones).</summary>
public static class IdpClaimTypes
{
    public const string Pid = "pid";

    /// <summary>Authentication Method Reference values we issue (RFC 8176 where one fits).</summary>
    public const string Amr = Claims.AuthenticationMethodReference;

    /// <summary>Our IdP session id (OIDC Front-Channel/Back-Channel Logout "sid").</summary>
    public const string SessionId = "sid";
}

/// <summary>Roles of the admin API, stored as ASP.NET Core Identity roles.</summary>
public static class AdminRoles
{
    /// <summary>Everything, research apps included.</summary>
    public const string Admin = "admin";

    /// <summary>Users and authenticators, not research apps.</summary>
    public const string Support = "support";

    public static readonly IReadOnlyList<string> All = [Admin, Support];
}
