namespace Educloud.Idp.Totp;

public sealed class TotpOptions
{
    public const string Section = "Totp";

    /// <summary>The issuer shown in the authenticator app (the otpauth URI's issuer).</summary>
    public string Issuer { get; set; } = "Educloud Research";

    /// <summary>Digits per code. 6 is what Microsoft Authenticator supports.</summary>
    public int Digits { get; set; } = 6;

    /// <summary>Seconds per time step (RFC 6238 X). 30 is what Microsoft Authenticator supports.</summary>
    public int PeriodSeconds { get; set; } = 30;

    /// <summary>
    /// Time steps accepted either side of the current one, for clock drift. 1 (the default) accepts
    /// a code for up to 90 s; ASVS 5 6.5.5 asks for at most 30 s, which is 0.
    /// </summary>
    public int AllowedDriftSteps { get; set; } = 1;

    /// <summary>Consecutive wrong codes that lock the account (NIST 800-63B: never more than 100).</summary>
    public int MaxFailedAttempts { get; set; } = 5;

    /// <summary>How long a lockout lasts. A correct code during it still fails.</summary>
    public TimeSpan LockoutDuration { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>How long a new, unconfirmed authenticator can be confirmed before it is thrown away.</summary>
    public TimeSpan PendingEnrollmentLifetime { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Code submissions allowed per client IP address per minute (stops spraying many accounts).</summary>
    public int SubmissionsPerIpPerMinute { get; set; } = 30;
}
