using Microsoft.Extensions.Options;

namespace Educloud.Idp.LocalAccounts;

/// <summary>People without ID-porten: created by support, enrolled with a one-time enrollment code.</summary>
public sealed class LocalAccountOptions
{
    public const string Section = "LocalAccounts";

    /// <summary>How long an enrollment code issued by support can be used (once).</summary>
    public TimeSpan EnrollmentCodeLifetime { get; set; } = TimeSpan.FromHours(72);
}

internal sealed class LocalAccountOptionsValidator : IValidateOptions<LocalAccountOptions>
{
    public ValidateOptionsResult Validate(string? name, LocalAccountOptions options) =>
        options.EnrollmentCodeLifetime < TimeSpan.FromMinutes(10) || options.EnrollmentCodeLifetime > TimeSpan.FromDays(30)
            ? ValidateOptionsResult.Fail("LocalAccounts:EnrollmentCodeLifetime must be between 00:10:00 and 30.00:00:00.")
            : ValidateOptionsResult.Success;
}
