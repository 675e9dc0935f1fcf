using Educloud.Idp.Connect;
using Educloud.Idp.Data;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace Educloud.Idp.Admin;

/// <summary>
/// Whether a caller (<see cref="ApiCaller"/>) may act on a given person, and how their acts reach
/// the audit log (through <see cref="AuditLog"/>, the one writer).
/// </summary>
/// <remarks>
/// Roles are always read from the database at the moment of the act, for the caller (see
/// <see cref="AdminApiExtensions"/>: the token's roles are only a ceiling) and for the person acted
/// on, so a role granted or taken away a second ago counts (OWASP ASVS 4.0.3 V4.1.3, least privilege;
/// V4.2.1, no privilege escalation through another person's account).
/// </remarks>
public sealed partial class AdminActor(IdpDbContext db, AuditLog audit, ILogger<AdminActor> logger)
{
    /// <summary>What support is told when the person they act on holds a role.</summary>
    public const string OnlyAdminTitle = "Only an admin can change a person who has a role.";

    private readonly Dictionary<string, IReadOnlyList<string>> privilegedTargets = new(StringComparer.Ordinal);

    /// <summary>The admin API roles (admin, support) a person holds in the database now.</summary>
    public static async Task<IReadOnlyList<string>> RolesOfAsync(IdpDbContext db, string userId, CancellationToken cancellationToken)
    {
        var roles = await db.UserRoles
            .Where(ur => ur.UserId == userId)
            .Join(db.Roles, ur => ur.RoleId, r => r.Id, (_, r) => r.Name)
            .ToListAsync(cancellationToken);
        return [.. AdminRoles.All.Where(roles.Contains)];
    }

    /// <summary>
    /// Whether the caller may change this person: anyone with a role (admin or support, the caller
    /// included) may be changed only by an admin, else support could take over an admin's account
    /// (an enrollment code sets a new password and authenticator) or lock them out. A refusal is
    /// audited and saved; an admin acting on a person with a role is remembered, so that the audit
    /// event of the act is followed by an <see cref="AuditEventTypes.ActedOnPrivileged"/> event.
    /// </summary>
    /// <returns>null when the act may go on; otherwise the 403 problem to answer (nothing was changed).</returns>
    public async Task<ProblemHttpResult?> RefuseUnlessMayChangeAsync(ApiCaller caller, IdpUser target, string act, CancellationToken cancellationToken)
    {
        var targetRoles = await RolesOfAsync(db, target.Id, cancellationToken);
        if (targetRoles.Count == 0)
        {
            return null;
        }

        if (caller.IsAdmin)
        {
            privilegedTargets[target.Id] = targetRoles;
            return null;
        }

        // Nothing of the act is in the unit of work yet: only this event is saved.
        Audit(caller, AuditEventTypes.RefusedOnPrivileged, target.Id, reason: $"{act}: the person has the role {string.Join(", ", targetRoles)}");
        await db.SaveChangesAsync(cancellationToken);
        LogRefused(logger, act, target.Id, caller.UserId, caller.Role);
        return AdminProblems.Problem(StatusCodes.Status403Forbidden, OnlyAdminTitle,
            "This person has a role in the admin console (" + string.Join(", ", targetRoles) + "). Nothing was changed; ask an admin.");
    }

    /// <summary>Whether the caller may change a person with these roles (for the console to offer the actions or not).</summary>
    public static bool MayChange(ApiCaller caller, IReadOnlyCollection<string> targetRoles) => targetRoles.Count == 0 || caller.IsAdmin;

    /// <summary>Adds the audit event to the unit of work (saved with the caller's SaveChanges).</summary>
    public void Audit(ApiCaller caller, string type, string? userId, string? clientId = null, string? reason = null)
    {
        audit.Add(type, userId, caller.AuditSource, clientId, reason);
        if (userId is not null && privilegedTargets.TryGetValue(userId, out var targetRoles))
        {
            // One queryable row per act on a person with a role (type filter in GET /api/admin/audit),
            // next to the act's own event, which keeps its usual type.
            audit.Add(AuditEventTypes.ActedOnPrivileged, userId, caller.AuditSource, clientId, $"{type} on a person with the role {string.Join(", ", targetRoles)}");
            LogActedOnPrivileged(logger, type, userId, caller.UserId);
        }
    }

    /// <summary>Adds the audit event and saves the unit of work (the act and its event together).</summary>
    public async Task AuditAsync(ApiCaller caller, string type, string? userId, string? clientId, string? reason, CancellationToken cancellationToken)
    {
        Audit(caller, type, userId, clientId, reason);
        await db.SaveChangesAsync(cancellationToken);
    }

    [LoggerMessage(EventId = 6020, Level = LogLevel.Warning, Message = "Refused {Act} on user {UserId}, who has a role, by {Actor} ({ActorRole}): only an admin may")]
    private static partial void LogRefused(ILogger logger, string act, string userId, string actor, string actorRole);

    [LoggerMessage(EventId = 6021, Level = LogLevel.Warning, Message = "{Act} on user {UserId}, who has a role, by admin {Actor}")]
    private static partial void LogActedOnPrivileged(ILogger logger, string act, string userId, string actor);
}
