using System.Net;

namespace Educloud.Idp.Data;

/// <summary>
/// Who caused an audit event and from where: the client's address as the IdP sees it, and, for an
/// act on someone else (the admin API, the command line), the actor and the role they acted with.
/// The person's own events (a wrong code, a password) have no actor.
/// </summary>
public sealed record AuditSource(IPAddress? ClientIp, string? Actor = null, string? ActorRole = null)
{
    /// <summary>The grant-role command: no address, no role to act with (it runs on the server).</summary>
    public static AuditSource CommandLine { get; } = new(null, "command-line");
}

/// <summary>
/// The one writer of audit events (the IdP's pages, the TOTP service, the admin API, the
/// grant-role command all come here), so every row is stamped the same way: the one clock, the
/// address and the actor from <see cref="AuditSource"/>. Never give it a code, a secret or a pid.
/// </summary>
public sealed class AuditLog(IdpDbContext db, TimeProvider time)
{
    /// <summary>Adds the event to the unit of work: saved together with the act it records (the caller's SaveChanges).</summary>
    public void Add(string type, string? userId, AuditSource source, string? clientId = null, string? reason = null) =>
        db.AuditEvents.Add(new AuditEvent
        {
            At = time.GetUtcNow(),
            Type = type,
            UserId = userId,
            ClientId = clientId,
            ClientIp = source.ClientIp?.ToString(),
            Actor = source.Actor,
            ActorRole = source.ActorRole,
            Reason = reason,
        });

    /// <summary>Adds the event and saves it (with anything else pending in the unit of work).</summary>
    public async Task WriteAsync(string type, string? userId, AuditSource source, string? clientId = null, string? reason = null, CancellationToken cancellationToken = default)
    {
        Add(type, userId, source, clientId, reason);
        await db.SaveChangesAsync(cancellationToken);
    }
}
