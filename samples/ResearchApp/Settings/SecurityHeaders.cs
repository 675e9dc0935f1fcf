namespace Educloud.ResearchApp.Settings;

public static class SecurityHeaders
{
    /// <summary>No script, no framing, no caching of pages that show personal data (OWASP ASVS 5.0 3.4).</summary>
    public static WebApplication UseSecurityHeaders(this WebApplication app)
    {
        app.Use((http, next) =>
        {
            var headers = http.Response.Headers;
            headers.ContentSecurityPolicy = "default-src 'self'; script-src 'none'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";
            headers.XContentTypeOptions = "nosniff";
            headers["Referrer-Policy"] = "no-referrer";
            headers.CacheControl = "no-store";
            return next(http);
        });
        return app;
    }
}
