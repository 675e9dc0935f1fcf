using Microsoft.Extensions.Options;

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

internal sealed class TotpOptionsValidator : IValidateOptions<TotpOptions>
{
    public ValidateOptionsResult Validate(string? name, TotpOptions options)
    {
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(options.Issuer) || options.Issuer.Contains(':', StringComparison.Ordinal))
        {
            errors.Add("Totp:Issuer is required and must not contain ':' (the otpauth label separator).");
        }

        if (options.Digits is not (6 or 8))
        {
            errors.Add("Totp:Digits must be 6 or 8.");
        }

        if (options.PeriodSeconds is < 15 or > 60)
        {
            errors.Add("Totp:PeriodSeconds must be between 15 and 60.");
        }

        if (options.AllowedDriftSteps is < 0 or > 2)
        {
            errors.Add("Totp:AllowedDriftSteps must be 0, 1 or 2 (0 meets ASVS 5 6.5.5).");
        }

        // NIST 800-63B 5.2.2: no more than 100 consecutive failed attempts on one account.
        if (options.MaxFailedAttempts is < 1 or > 100)
        {
            errors.Add("Totp:MaxFailedAttempts must be between 1 and 100 (NIST 800-63B).");
        }

        if (options.MaxConsecutiveFailures is < 1 or > 100 || options.MaxConsecutiveFailures < options.MaxFailedAttempts)
        {
            errors.Add("Totp:MaxConsecutiveFailures must be between Totp:MaxFailedAttempts and 100 (NIST 800-63B).");
        }

        if (options.LockoutDuration <= TimeSpan.Zero || options.LockoutDuration > TimeSpan.FromDays(1))
        {
            errors.Add("Totp:LockoutDuration must be more than 0 and at most 1.00:00:00.");
        }

        if (options.MaxLockoutDuration < options.LockoutDuration || options.MaxLockoutDuration > TimeSpan.FromDays(30))
        {
            errors.Add("Totp:MaxLockoutDuration must be at least Totp:LockoutDuration and at most 30.00:00:00.");
        }

        if (options.PendingEnrollmentLifetime <= TimeSpan.Zero || options.PendingEnrollmentLifetime > TimeSpan.FromHours(1))
        {
            errors.Add("Totp:PendingEnrollmentLifetime must be more than 0 and at most 01:00:00.");
        }

        if (options.SubmissionsPerIpPerMinute < 1)
        {
            errors.Add("Totp:SubmissionsPerIpPerMinute must be at least 1.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
