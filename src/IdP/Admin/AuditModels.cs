namespace Educloud.Idp.Admin;

/// <summary>
/// One audit event as the admin API shows it (JSON; the CSV export has the same columns, without
/// the names). <paramref name="UserName"/> and <paramref name="UserDisplayName"/> say who the person
/// is, <paramref name="ActorName"/> who acted (their username), so support need not look each up.
/// </summary>
public sealed record AuditEntry(
    long Id, DateTimeOffset At, string Type, string? UserId, string? ClientId, string? Actor, string? ActorRole, string? Reason, string? ClientIp,
    string? UserName = null, string? UserDisplayName = null, string? ActorName = null);
