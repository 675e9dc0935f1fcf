namespace Educloud.Idp.Data;

/// <summary>Something security-relevant that happened, kept in the database for support and audit.</summary>
public sealed class AuditEvent
{
    public long Id { get; set; }

    public DateTimeOffset At { get; set; }

    /// <summary>One of <see cref="AuditEventTypes"/>.</summary>
    public required string Type { get; set; }

    /// <summary>The person the event is about.</summary>
    public string? UserId { get; set; }

    /// <summary>The research app the person was logging in to, when known.</summary>
    public string? ClientId { get; set; }

    public string? ClientIp { get; set; }

    /// <summary>Who did it, when not the person themselves (a support user, later).</summary>
    public string? Actor { get; set; }

    public string? Reason { get; set; }
}

public static class AuditEventTypes
{
    public const string TotpEnrolled = "totp.enrolled";
    public const string TotpReplaced = "totp.replaced";
    public const string TotpWrongCode = "totp.wrong_code";
    public const string TotpLockedOut = "totp.locked_out";
    public const string TotpReuseAttempted = "totp.reuse_attempted";
}
