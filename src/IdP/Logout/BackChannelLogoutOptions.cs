using Microsoft.Extensions.Options;

namespace Educloud.Idp.Logout;

/// <summary>
/// How the IdP tells research apps that a session ended (section <c>BackChannelLogout</c>): the
/// outbox's sender and its retries. Which apps are told is each app's <c>BackChannelLogoutUri</c>.
/// </summary>
public sealed class BackChannelLogoutOptions
{
    public const string Section = "BackChannelLogout";

    /// <summary>
    /// How long a notification is tried, from the moment the session ended; after that it is marked
    /// failed (admins see it, the app's refresh tokens were revoked anyway).
    /// </summary>
    public TimeSpan RetryWindow { get; set; } = TimeSpan.FromHours(1);

    /// <summary>The wait after the first failed attempt; it doubles with each further one.</summary>
    public TimeSpan FirstRetryDelay { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The longest wait between two attempts.</summary>
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>How often the sender looks for notifications due and for sessions past their absolute end.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(5);
}

internal sealed class BackChannelLogoutOptionsValidator : IValidateOptions<BackChannelLogoutOptions>
{
    public ValidateOptionsResult Validate(string? name, BackChannelLogoutOptions options)
    {
        var errors = new List<string>();
        var section = BackChannelLogoutOptions.Section;
        if (options.RetryWindow < TimeSpan.FromMinutes(1) || options.RetryWindow > TimeSpan.FromDays(7))
        {
            errors.Add($"{section}:RetryWindow must be between 1 minute and 7 days.");
        }

        if (options.FirstRetryDelay < TimeSpan.FromSeconds(1) || options.FirstRetryDelay > TimeSpan.FromHours(1))
        {
            errors.Add($"{section}:FirstRetryDelay must be between 1 second and 1 hour.");
        }

        if (options.MaxRetryDelay < options.FirstRetryDelay || options.MaxRetryDelay > TimeSpan.FromDays(1))
        {
            errors.Add($"{section}:MaxRetryDelay must be at least FirstRetryDelay and at most 1 day.");
        }

        if (options.PollInterval < TimeSpan.FromSeconds(1) || options.PollInterval > TimeSpan.FromMinutes(10))
        {
            errors.Add($"{section}:PollInterval must be between 1 second and 10 minutes.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
