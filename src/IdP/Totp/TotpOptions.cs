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

    /// <summary>Wrong codes in a row that lock the account for a while (each round of this many locks again).</summary>
    public int MaxFailedAttempts { get; set; } = 5;

    /// <summary>How long the first lockout lasts; each further one doubles it. A correct code during it still fails.</summary>
    public TimeSpan LockoutDuration { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>The longest a single lockout lasts, however many came before.</summary>
    public TimeSpan MaxLockoutDuration { get; set; } = TimeSpan.FromHours(24);

    /// <summary>
    /// Consecutive wrong codes (across lockouts) after which codes stop working until support
    /// unlocks or the person sets up a new authenticator (NIST 800-63B 5.2.2: at most 100).
    /// </summary>
    public int MaxConsecutiveFailures { get; set; } = 100;

    /// <summary>Whether codes are refused now: during a lockout, or after the stop (the one rule the admin API shows too).</summary>
    public bool RefusesCodes(int failedAttempts, DateTimeOffset? lockedUntil, DateTimeOffset now) =>
        lockedUntil > now || failedAttempts >= MaxConsecutiveFailures;

    /// <summary>How long a new, unconfirmed authenticator can be confirmed before it is thrown away.</summary>
    public TimeSpan PendingEnrollmentLifetime { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Code submissions allowed per client IP address per minute (stops spraying many accounts).</summary>
    public int SubmissionsPerIpPerMinute { get; set; } = 30;
}
