namespace Educloud.Idp.Hosting;

/// <summary>Security headers on every response of the IdP (docs/architecture.md "Conventions").</summary>
public static class SecurityHeaders
{
    /// <summary>
    /// HSTS outside Development (RFC 6797; ASVS 5 3.4.1): one year, the usual value and the one the
    /// preload list asks for. Not includeSubDomains: the IdP does not own its parent domain's other
    /// hosts and must not force HTTPS on them; not preload (that is a commitment for the whole domain).
    /// Development runs on http://localhost and sends none.
    /// </summary>
    public const string StrictTransportSecurity = "max-age=31536000";

    public static IApplicationBuilder UseIdpSecurityHeaders(this IApplicationBuilder app)
    {
        var hsts = !app.ApplicationServices.GetRequiredService<IHostEnvironment>().IsDevelopment();
        return app.Use(async (context, next) =>
        {
            var formAction = await context.RequestServices.GetRequiredService<FormActionOrigins>().GetAsync(context.RequestAborted);
            context.Response.OnStarting(() =>
            {
                var headers = context.Response.Headers;
                headers.XContentTypeOptions = "nosniff";
                headers["Referrer-Policy"] = "no-referrer";
                headers["Cross-Origin-Opener-Policy"] = "same-origin";
                headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()";
                if (hsts && context.Request.IsHttps)
                {
                    // Browsers ignore the header over plain HTTP (RFC 6797 8.1).
                    headers.StrictTransportSecurity = StrictTransportSecurity;
                }

                if (!headers.ContainsKey("Content-Security-Policy"))
                {
                    // No framing anywhere (clickjacking on the login and code pages); no inline script
                    // except the one line of OpenIddict's response_mode=form_post page, allowed by hash.
                    // form-action: ourselves, ID-porten and the registered apps (FormActionOrigins).
                    headers.ContentSecurityPolicy =
                        "default-src 'self'; img-src 'self' data:; script-src 'self' 'sha256-j7OoGArf6XW6YY4cAyS3riSSvrJRqpSi1fOF9vQ5SrI='; style-src 'self'; object-src 'none'; " +
                        "base-uri 'none'; frame-ancestors 'none'; form-action " + formAction;
                }

                return Task.CompletedTask;
            });
            await next(context);
        });
    }
}
