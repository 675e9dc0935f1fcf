using Microsoft.Extensions.Options;

namespace Educloud.Idp.LocalAccounts;

/// <summary>People without ID-porten: created by support, enrolled with a one-time enrollment code.</summary>
public sealed class LocalAccountOptions
{
    public const string Section = "LocalAccounts";

    /// <summary>How long an enrollment code issued by support can be used (once).</summary>
    public TimeSpan EnrollmentCodeLifetime { get; set; } = TimeSpan.FromHours(72);

    /// <summary>
    /// Wrong passwords for one username from one client address before that address must wait
    /// (<see cref="PasswordFirstWait"/>, doubling with each further wrong password, up to <see cref="PasswordMaxWait"/>).
    /// Other addresses are not affected: nobody elsewhere can lock the person out.
    /// </summary>
    public int PasswordFailuresPerAddress { get; set; } = 5;

    /// <summary>How long an address waits after its first wrong password beyond <see cref="PasswordFailuresPerAddress"/> (as Totp:LockoutDuration for codes).</summary>
    public TimeSpan PasswordFirstWait { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>The longest one address waits for one username.</summary>
    public TimeSpan PasswordMaxWait { get; set; } = TimeSpan.FromHours(1);

    /// <summary>
    /// Wrong passwords for one username from all addresses in an hour; beyond it, only addresses
    /// this username logged in from in the last 30 days may try (a guessing campaign spread over
    /// many addresses is stopped, the person at home or at work still gets in).
    /// </summary>
    public int PasswordFailuresPerUsernamePerHour { get; set; } = 100;
}

internal sealed class LocalAccountOptionsValidator : IValidateOptions<LocalAccountOptions>
{
    public ValidateOptionsResult Validate(string? name, LocalAccountOptions options)
    {
        var errors = new List<string>();
        if (options.EnrollmentCodeLifetime < TimeSpan.FromMinutes(10) || options.EnrollmentCodeLifetime > TimeSpan.FromDays(30))
        {
            errors.Add("LocalAccounts:EnrollmentCodeLifetime must be between 00:10:00 and 30.00:00:00.");
        }

        if (options.PasswordFailuresPerAddress is < 1 or > 100)
        {
            errors.Add("LocalAccounts:PasswordFailuresPerAddress must be between 1 and 100.");
        }

        if (options.PasswordMaxWait < TimeSpan.FromMinutes(1) || options.PasswordMaxWait > TimeSpan.FromDays(1))
        {
            errors.Add("LocalAccounts:PasswordMaxWait must be between 00:01:00 and 1.00:00:00.");
        }

        if (options.PasswordFirstWait < TimeSpan.FromSeconds(1) || options.PasswordFirstWait > options.PasswordMaxWait)
        {
            errors.Add("LocalAccounts:PasswordFirstWait must be between 00:00:01 and LocalAccounts:PasswordMaxWait.");
        }

        if (options.PasswordFailuresPerUsernamePerHour < options.PasswordFailuresPerAddress || options.PasswordFailuresPerUsernamePerHour > 10_000)
        {
            errors.Add("LocalAccounts:PasswordFailuresPerUsernamePerHour must be between LocalAccounts:PasswordFailuresPerAddress and 10000.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
