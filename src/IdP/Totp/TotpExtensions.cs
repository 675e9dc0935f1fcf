using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;

namespace Educloud.Idp.Totp;

public static class TotpExtensions
{
    /// <summary>Rate-limit policy for every page that takes a one-time code.</summary>
    public const string CodeSubmissionPolicy = "totp-code-submission";

    public static WebApplicationBuilder AddIdpTotp(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<IValidateOptions<TotpOptions>, TotpOptionsValidator>();
        builder.Services.AddOptions<TotpOptions>().BindConfiguration(TotpOptions.Section).ValidateOnStart();
        builder.Services.AddScoped<TotpService>();
        builder.Services.AddScoped<QrCodes>();

        var perMinute = builder.Configuration.GetSection(TotpOptions.Section).Get<TotpOptions>()?.SubmissionsPerIpPerMinute
            ?? new TotpOptions().SubmissionsPerIpPerMinute;
        builder.Services.AddRateLimiter(options =>
        {
            options.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            // Per client IP: one address spraying codes at many accounts is stopped here; the
            // per-account lockout stops many addresses guessing at one account. Only submissions
            // (POST) count: page views guess nothing, and behind a campus NAT every person's views
            // would use up everyone's budget. The address is the one the trusted proxy reports
            // (ForwardedHeaders:TrustedProxies); the counts are in memory, per replica.
            options.AddPolicy(CodeSubmissionPolicy, http => HttpMethods.IsPost(http.Request.Method)
                ? RateLimitPartition.GetFixedWindowLimiter(
                    Hosting.ClientAddress.Key(http.Connection.RemoteIpAddress),
                    _ => new FixedWindowRateLimiterOptions { PermitLimit = perMinute, Window = TimeSpan.FromMinutes(1), QueueLimit = 0 })
                : RateLimitPartition.GetNoLimiter("view"));
        });
        return builder;
    }
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
