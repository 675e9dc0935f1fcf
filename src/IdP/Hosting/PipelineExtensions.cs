using Educloud.Shared.Localization;
using Educloud.Idp.Sessions;

namespace Educloud.Idp.Hosting;

/// <summary>The IdP's middleware, in order. Endpoints are mapped by each feature after it (Program.cs).</summary>
public static class PipelineExtensions
{
    public static WebApplication UseIdpPipeline(this WebApplication app)
    {
        app.UseForwardedHeaders();
        // Before the error pages: they are shown in the person's language too.
        app.UseEducloudLocalization();
        // Right after the scheme and client address are settled: bad input never gets further (issue 8).
        app.UseIdpRequestGuard();
        app.UseWhen(http => !IsApi(http), pages => pages.UseExceptionHandler("/error"));
        app.UseWhen(IsApi, api => api.UseExceptionHandler());
        // The admin API answers with problem details (RFC 9457), never with the HTML error page.
        app.UseWhen(http => !IsApi(http), pages => pages.UseStatusCodePagesWithReExecute("/error", "?status={0}"));
        app.UseWhen(IsApi, api => api.UseStatusCodePages());
        app.UseIdpSecurityHeaders();
        app.UseStaticFiles();
        app.UseRouting();
        app.UseAuthentication();
        app.UseIdpTimedOutSessions();
        app.UseAuthorization();
        app.UseRateLimiter();
        app.UseAntiforgery();
        return app;
    }

    private static bool IsApi(HttpContext http) => http.Request.Path.StartsWithSegments("/api");
}
