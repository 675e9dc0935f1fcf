namespace Educloud.Idp.Hosting;

/// <summary>Security headers on every response of the IdP (DESIGN.md "Conventions").</summary>
public static class SecurityHeaders
{
    public static IApplicationBuilder UseIdpSecurityHeaders(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        context.Response.OnStarting(() =>
        {
            var headers = context.Response.Headers;
            headers.XContentTypeOptions = "nosniff";
            headers["Referrer-Policy"] = "no-referrer";
            headers["Cross-Origin-Opener-Policy"] = "same-origin";
            headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()";
            if (!headers.ContainsKey("Content-Security-Policy"))
            {
                // No framing anywhere (clickjacking on the login and code pages); no inline script
                // except the one line of OpenIddict's response_mode=form_post page, allowed by hash.
                // form-action must allow the redirects that follow our own form posts (to
                // ID-porten and back to the research app), which browsers check against it.
                headers.ContentSecurityPolicy =
                    "default-src 'self'; img-src 'self' data:; script-src 'self' 'sha256-j7OoGArf6XW6YY4cAyS3riSSvrJRqpSi1fOF9vQ5SrI='; style-src 'self'; object-src 'none'; " +
                    "base-uri 'none'; frame-ancestors 'none'; form-action 'self' https: http://localhost:* http://127.0.0.1:* http://[::1]:*";
            }

            return Task.CompletedTask;
        });
        await next(context);
    });
}
