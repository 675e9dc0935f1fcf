using Educloud.Shared.Hosting;

namespace Educloud.Idp.Hosting;

/// <summary>Security headers on every response of the IdP (docs/architecture.md "Conventions"); the common ones come from <see cref="SecurityHeaderMiddleware"/>.</summary>
public static class SecurityHeaders
{
    /// <summary>HSTS outside Development, over HTTPS (<see cref="SecurityHeaderMiddleware.StrictTransportSecurity"/>).</summary>
    public const string StrictTransportSecurity = SecurityHeaderMiddleware.StrictTransportSecurity;

    // No framing anywhere (clickjacking on the login and code pages); no inline script except the
    // one line of OpenIddict's response_mode=form_post page, allowed by hash. form-action:
    // ourselves, ID-porten and the registered apps (FormActionOrigins). The front-channel logout
    // page, which ID-porten frames, sets its own policy.
    private const string Policy =
        "default-src 'self'; img-src 'self' data:; script-src 'self' 'sha256-j7OoGArf6XW6YY4cAyS3riSSvrJRqpSi1fOF9vQ5SrI='; style-src 'self'; object-src 'none'; " +
        "base-uri 'none'; frame-ancestors 'none'; form-action ";

    public static IApplicationBuilder UseIdpSecurityHeaders(this IApplicationBuilder app) =>
        app.UseSecurityHeaders(async context =>
            Policy + await context.RequestServices.GetRequiredService<FormActionOrigins>().GetAsync(context.RequestAborted));
}
