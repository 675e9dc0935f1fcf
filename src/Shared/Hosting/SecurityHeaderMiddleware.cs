using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Educloud.Shared.Hosting;

/// <summary>
/// The security headers of every response of both web apps, the IdP and the support console: one
/// implementation, compiled into each (src/Shared, linked by both project files; docs/decisions.md
/// "Issue 9: one pattern each"). Each app gives its own Content-Security-Policy and may add headers
/// of its own (the console: no caching, X-Frame-Options).
/// </summary>
internal static class SecurityHeaderMiddleware
{
    /// <summary>
    /// HSTS outside Development (RFC 6797; ASVS 5 3.4.1): one year, the usual value and the one the
    /// preload list asks for. Not includeSubDomains: the apps do not own their parent domain's other
    /// hosts and must not force HTTPS on them; not preload (that is a commitment for the whole domain).
    /// Development runs on http://localhost and sends none.
    /// </summary>
    public const string StrictTransportSecurity = "max-age=31536000";

    /// <param name="contentSecurityPolicy">The policy for a request; set unless the response set its own (a page that must be framed).</param>
    /// <param name="appHeaders">Further headers of the app, set last.</param>
    public static IApplicationBuilder UseSecurityHeaders(
        this IApplicationBuilder app,
        Func<HttpContext, ValueTask<string>> contentSecurityPolicy,
        Action<IHeaderDictionary>? appHeaders = null)
    {
        var hsts = !app.ApplicationServices.GetRequiredService<IHostEnvironment>().IsDevelopment();
        return app.Use(async (context, next) =>
        {
            var csp = await contentSecurityPolicy(context);
            context.Response.OnStarting(() =>
            {
                var headers = context.Response.Headers;
                headers.XContentTypeOptions = "nosniff";
                // The URL of a page (an authorization request, a user's id) never goes to another site.
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
                    headers.ContentSecurityPolicy = csp;
                }

                appHeaders?.Invoke(headers);
                return Task.CompletedTask;
            });
            await next(context);
        });
    }
}
