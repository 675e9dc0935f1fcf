using System.Threading.RateLimiting;
using Educloud.Idp.Sessions;
using Educloud.Idp.Settings;
using Educloud.Idp.Totp;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;

namespace Educloud.Idp.LocalAccounts;

/// <summary>People without ID-porten: username + password + authenticator, enrolled with a code from support.</summary>
public static class LocalAccountExtensions
{
    /// <summary>The acr of a local login (password and authenticator): not an ID-porten level.</summary>
    public const string Acr = "educloud-local-pwd-otp";

    /// <summary>What a correct password proves, in the shape of an upstream login (no upstream session).</summary>
    public static UpstreamLogin PasswordLogin => new(null, Acr, ["pwd"]);

    /// <summary>Posts of a password or an enrollment code, per client IP (GETs of the login page are not counted).</summary>
    public const string PasswordSubmissionPolicy = "password-submission";

    /// <summary>A login whose first factor was our own password (ID-porten's levels are never this acr).</summary>
    public static bool IsPasswordLogin(this PendingLogin pending) => pending.Upstream.Acr == Acr;

    public static WebApplicationBuilder AddIdpLocalAccounts(this WebApplicationBuilder builder)
    {
        builder.GetValidated(LocalAccountOptions.Section, new LocalAccountOptionsValidator());
        builder.Services.AddScoped<EnrollmentCodes>();
        builder.Services.AddScoped<PasswordCheck>();
        builder.Services.AddSingleton<PasswordThrottle>();
        // Added to Identity's own validators (length, unique characters): UserManager runs them all.
        builder.Services.AddScoped<Microsoft.AspNetCore.Identity.IPasswordValidator<Data.IdpUser>, CommonPasswordValidator>();

        // The same budget per IP as one-time codes (Totp:SubmissionsPerIpPerMinute), in its own partition.
        var perMinute = builder.GetValidated(TotpOptions.Section, new TotpOptionsValidator()).SubmissionsPerIpPerMinute;
        builder.Services.Configure<RateLimiterOptions>(options => options.AddPolicy(PasswordSubmissionPolicy, http =>
            HttpMethods.IsPost(http.Request.Method)
                ? RateLimitPartition.GetFixedWindowLimiter(
                    "pwd:" + Hosting.ClientAddress.Key(http.Connection.RemoteIpAddress),
                    _ => new FixedWindowRateLimiterOptions { PermitLimit = perMinute, Window = TimeSpan.FromMinutes(1), QueueLimit = 0 })
                : RateLimitPartition.GetNoLimiter("get")));
        return builder;
    }
}
