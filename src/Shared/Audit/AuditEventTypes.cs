namespace Educloud.Idp.Data;

/// <summary>
/// The one place that names the audit event types. Compiled into both the IdP (which writes them)
/// and the support console (which says them in words), so neither spells a type by hand; the
/// namespace is the IdP's, where the events are written. The words are in the pages that show
/// them (the account page, the console's audit log), one entry per type here.
/// </summary>
public static class AuditEventTypes
{
    /// <summary>Both factors proven, a session started; the app (if the login was for one) and the level (acr, in the reason).</summary>
    public const string LoginSucceeded = "login.succeeded";

    public const string TotpEnrolled = "totp.enrolled";
    public const string TotpReplaced = "totp.replaced";
    public const string TotpWrongCode = "totp.wrong_code";

    /// <summary>The wrong code that started a lockout (or the stop after too many in a row).</summary>
    public const string TotpLockedOut = "totp.locked_out";

    /// <summary>A code refused without being compared: the person is locked out, or stopped.</summary>
    public const string TotpRefusedLocked = "totp.refused_locked";

    /// <summary>A code refused because the person has no active authenticator (revoked meanwhile).</summary>
    public const string TotpNoAuthenticator = "totp.no_authenticator";
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

    // Every way a session ends. Support's ways are its own events (SessionsEnded,
    // AuthenticatorRevoked, AllSessionsEnded); a new authenticator's is TotpReplaced.

    /// <summary>Logged out from a research app (RP-initiated logout); the app in ClientId.</summary>
    public const string LogoutFromApp = "logout.app";

    /// <summary>Logged out with "Log out" on the IdP's own pages (the start page, the account page).</summary>
    public const string LogoutHere = "logout.here";

    /// <summary>"Log out everywhere" on the account page: every session of the person.</summary>
    public const string LogoutEverywhere = "logout.everywhere";

    /// <summary>ID-porten said the person logged out there (front- or back-channel logout).</summary>
    public const string LogoutIdPorten = "logout.idporten";

    /// <summary>The session had timed out (idle or absolute) and was ended when the person came back.</summary>
    public const string LogoutTimeout = "logout.timeout";
}
