using System.Net;
using System.Reflection;
using Educloud.Idp.Connect;
using Educloud.Idp.Data;
using OpenIddict.Abstractions;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace Educloud.Idp.Admin;

/// <summary>
/// Who calls the admin API, with which role, from where: read once from the request by the
/// endpoint layer (a handler parameter, bound by <see cref="BindAsync"/>) and handed to the
/// services, which never see the request itself.
/// </summary>
/// <param name="UserId">The caller's user id (the token's subject).</param>
/// <param name="Role">The strongest role the caller acts with: held in the token and in the database now.</param>
/// <param name="ClientIp">The caller's address as the IdP sees it.</param>
public sealed record ApiCaller(string UserId, string Role, IPAddress? ClientIp)
{
    /// <summary>HttpContext.Items key: the caller's roles, read from the database when the request was authorized.</summary>
    internal const string RolesItem = "Educloud.Idp.Admin.CallerRoles";

    /// <summary>How the caller's acts are stamped in the audit log.</summary>
    public AuditSource AuditSource => new(ClientIp, UserId, Role);

    public bool IsAdmin => Role == AdminRoles.Admin;

    public static ApiCaller Of(HttpContext http)
    {
        var roles = http.Items[RolesItem] as IReadOnlyCollection<string> ?? [.. http.User.GetClaims(Claims.Role)];
        var role = roles.Contains(AdminRoles.Admin) ? AdminRoles.Admin : roles.Contains(AdminRoles.Support) ? AdminRoles.Support : "?";
        return new ApiCaller(http.User.GetClaim(Claims.Subject) ?? "?", role, http.Connection.RemoteIpAddress);
    }

    /// <summary>Minimal API binding: a handler that takes an <see cref="ApiCaller"/> gets the one of its request.</summary>
    public static ValueTask<ApiCaller?> BindAsync(HttpContext http, ParameterInfo parameter) => ValueTask.FromResult<ApiCaller?>(Of(http));
}
