using Educloud.Idp.Connect;
using Educloud.Idp.Data;
using OpenIddict.Abstractions;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace Educloud.Idp.Admin;

/// <summary>Who is calling the admin API, and the one way its actions reach the audit log.</summary>
public sealed class AdminActor(IHttpContextAccessor accessor, IdpDbContext db, TimeProvider time)
{
    private HttpContext Http => accessor.HttpContext ?? throw new InvalidOperationException("No request.");

    public string UserId => Http.User.GetClaim(Claims.Subject) ?? "?";

    /// <summary>The strongest role the caller acts with.</summary>
    public string Role
    {
        get
        {
            var roles = Http.User.GetClaims(Claims.Role);
            return roles.Contains(AdminRoles.Admin) ? AdminRoles.Admin : roles.Contains(AdminRoles.Support) ? AdminRoles.Support : "?";
        }
    }

    /// <summary>Adds the audit event to the unit of work (saved with the caller's SaveChanges).</summary>
    public void Audit(string type, string? userId, string? clientId = null, string? reason = null)
    {
        db.AuditEvents.Add(new AuditEvent
        {
            At = time.GetUtcNow(),
            Type = type,
            UserId = userId,
            ClientId = clientId,
            ClientIp = Http.Connection.RemoteIpAddress?.ToString(),
            Actor = UserId,
            ActorRole = Role,
            Reason = reason,
        });
    }

    public async Task AuditAsync(string type, string? userId, string? clientId = null, string? reason = null)
    {
        Audit(type, userId, clientId, reason);
        await db.SaveChangesAsync(Http.RequestAborted);
    }
}
