using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;
using Educloud.Idp.Settings;

namespace Educloud.Idp.Totp;

public static class TotpExtensions
{
    /// <summary>Rate-limit policy for every page that takes a one-time code.</summary>
    public const string CodeSubmissionPolicy = "totp-code-submission";

    public static WebApplicationBuilder AddIdpTotp(this WebApplicationBuilder builder)
    {
        var perMinute = builder.GetValidated(TotpOptions.Section, new TotpOptionsValidator()).SubmissionsPerIpPerMinute;
        builder.Services.AddScoped<TotpService>();
        builder.Services.AddScoped<QrCodes>();

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
