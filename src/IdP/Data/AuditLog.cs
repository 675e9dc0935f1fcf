namespace Educloud.Idp.Data;

/// <summary>Writes audit events. Never give it a code, a secret or a pid.</summary>
public sealed class AuditLog(IdpDbContext db, TimeProvider time)
{
    public async Task WriteAsync(string type, string? userId, HttpContext? http, string? clientId = null, string? actor = null, string? reason = null)
    {
        db.AuditEvents.Add(new AuditEvent
        {
            At = time.GetUtcNow(),
            Type = type,
            UserId = userId,
            ClientId = clientId,
            ClientIp = http?.Connection.RemoteIpAddress?.ToString(),
            Actor = actor,
            Reason = reason,
        });
        await db.SaveChangesAsync(http?.RequestAborted ?? CancellationToken.None);
    }
}
