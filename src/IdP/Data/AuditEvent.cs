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

    /// <summary>Who did it, when not the person themselves (a support user or admin).</summary>
    public string? Actor { get; set; }

    /// <summary>The role the actor acted with (admin or support) on an admin API call.</summary>
    public string? ActorRole { get; set; }

    public string? Reason { get; set; }
}

public static class AuditEventTypes
{
    public const string TotpEnrolled = "totp.enrolled";
    public const string TotpReplaced = "totp.replaced";
    public const string TotpWrongCode = "totp.wrong_code";
    public const string TotpLockedOut = "totp.locked_out";
    public const string TotpReuseAttempted = "totp.reuse_attempted";
    public const string AuthenticatorRevoked = "admin.authenticator_revoked";
    public const string SessionsEnded = "admin.sessions_ended";
    public const string Unlocked = "admin.unlocked";

    /// <summary>Support tried to change a person who has a role (admin or support); nothing was changed.</summary>
    public const string RefusedOnPrivileged = "admin.refused_privileged_target";

    /// <summary>Written next to an admin's act on a person who has a role; the reason names the act and the role.</summary>
    public const string ActedOnPrivileged = "admin.acted_on_privileged_target";
    public const string LocalUserCreated = "admin.user_created";
    public const string EnrollmentCodeIssued = "admin.enrollment_code_issued";
    public const string EnrollmentCodeUsed = "enrollment_code.used";
    public const string AppRegistered = "admin.app_registered";
    public const string AppUpdated = "admin.app_updated";
    public const string AppDisabled = "admin.app_disabled";
    public const string PasswordFailed = "password.failed";
    public const string RoleGranted = "admin.role_granted";
    public const string AllSessionsEnded = "admin.all_sessions_ended";

    /// <summary>An ID-porten login without a Norwegian national identity number (eIDAS) was refused; no user.</summary>
    public const string ForeignEidRefused = "login.foreign_eid_refused";
}
