namespace Educloud.Idp.Admin;

/// <summary>One audit event as the admin API shows it (JSON; the CSV export has the same columns).</summary>
public sealed record AuditEntry(long Id, DateTimeOffset At, string Type, string? UserId, string? ClientId, string? Actor, string? ActorRole, string? Reason, string? ClientIp);
