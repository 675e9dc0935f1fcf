using Educloud.Idp.Admin.Api;
using Educloud.Shared.Hosting;
using Educloud.Shared.Localization;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.Extensions.Options;

namespace Educloud.Idp.Admin.Hosting;

public static class ConsoleExtensions
{
    /// <summary>Only staff: the IdP's admin roles, as the IdP put them in the id_token.</summary>
    public const string StaffPolicy = "console.staff";

    /// <summary>Research apps are the admin role's only (the API enforces it too).</summary>
    public const string AdminPolicy = "console.admin";
    public static readonly string[] StaffRoles = ["admin", "support"];

    public static WebApplicationBuilder AddConsoleSettings(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<IValidateOptions<ConsoleOptions>, ConsoleOptionsValidator>();
        builder.Services.AddOptions<ConsoleOptions>().Bind(builder.Configuration.GetSection(ConsoleOptions.Section)).ValidateOnStart();
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddHealthChecks();
        return builder;
    }

    public static WebApplicationBuilder AddConsoleLogin(this WebApplicationBuilder builder)
    {
        var development = builder.Environment.IsDevelopment();
        builder.Services.AddAuthentication(options =>
            {
                options.DefaultScheme = CookieAuthenticationDefaults.AuthenticationScheme;
                options.DefaultChallengeScheme = OpenIdConnectDefaults.AuthenticationScheme;
            })
            .AddCookie(options =>
            {
                options.Cookie.Name = development ? "educloud-console" : "__Host-educloud-console";
                options.Cookie.HttpOnly = true;
                // Lax: the person comes back from the IdP by a top-level redirect.
                options.Cookie.SameSite = SameSiteMode.Lax;
                // Browsers keep Secure cookies from http://localhost; Development allows plain http for other tools.
                options.Cookie.SecurePolicy = development ? CookieSecurePolicy.SameAsRequest : CookieSecurePolicy.Always;
                options.SlidingExpiration = true;
                options.AccessDeniedPath = "/forbidden";
                options.Events.OnValidatePrincipal = AccessTokenLifetime.RejectWhenExpiredAsync;
            })
            .AddOpenIdConnect();

        builder.Services.AddOptions<CookieAuthenticationOptions>(CookieAuthenticationDefaults.AuthenticationScheme)
            .Configure<IOptions<ConsoleOptions>>((cookie, settings) => cookie.ExpireTimeSpan = settings.Value.SessionIdleTimeout);

        builder.Services.AddOptions<OpenIdConnectOptions>(OpenIdConnectDefaults.AuthenticationScheme)
            .Configure<IOptions<ConsoleOptions>>((options, settings) =>
            {
                var idp = settings.Value;
                options.Authority = idp.Authority;
                options.RequireHttpsMetadata = idp.Authority.StartsWith("https://", StringComparison.OrdinalIgnoreCase);
                options.ClientId = idp.ClientId;
                options.ClientSecret = idp.ClientSecret;
                options.ResponseType = "code";
                options.UsePkce = true;
                // The code comes back in the query (a plain redirect, no script at either end); it is
                // single-use and bound to this browser by PKCE and the correlation cookie.
                options.ResponseMode = "query";
                options.SaveTokens = true;
                options.MapInboundClaims = false;
                options.GetClaimsFromUserInfoEndpoint = false;
                options.Scope.Clear();
                foreach (var scope in new[] { "openid", "profile", "admin_api" })
                {
                    options.Scope.Add(scope);
                }

                options.TokenValidationParameters.NameClaimType = "name";
                options.TokenValidationParameters.RoleClaimType = "role";
                options.SignedOutRedirectUri = "/signed-out";
                // The way back after login is the page first asked for (its request path), so a link
                // to //evil.example/ would send the person there after a complete login (open
                // redirect). Only a local URL, by the framework's own rule (Url.IsLocalUrl), else the start page.
                options.Events.OnTicketReceived = context =>
                {
                    if (!Microsoft.AspNetCore.Http.HttpResults.RedirectHttpResult.IsLocalUrl(context.ReturnUri) || context.ReturnUri.StartsWith('~'))
                    {
                        context.ReturnUri = "/";
                    }

                    return Task.CompletedTask;
                };
                // An error or a broken answer at /signin-oidc: a page that names the settings to fix, not a 500.
                options.Events.OnRemoteFailure = SignInFailure.HandleAsync;
                options.CorrelationCookie.SecurePolicy = CookieSecurePolicy.Always;
                options.NonceCookie.SecurePolicy = CookieSecurePolicy.Always;
            });

        builder.Services.AddAuthorizationBuilder()
            .AddPolicy(StaffPolicy, policy => policy.RequireAuthenticatedUser().RequireRole(StaffRoles))
            .AddPolicy(AdminPolicy, policy => policy.RequireAuthenticatedUser().RequireRole("admin"))
            .SetFallbackPolicy(new AuthorizationPolicyBuilder().RequireAuthenticatedUser().RequireRole(StaffRoles).Build());
        return builder;
    }

    public static WebApplicationBuilder AddAdminApiClient(this WebApplicationBuilder builder)
    {
        builder.Services.AddHttpContextAccessor();
        builder.Services.AddHttpClient<AdminApiClient>((services, client) =>
        {
            var authority = services.GetRequiredService<IOptions<ConsoleOptions>>().Value.Authority;
            client.BaseAddress = new Uri(authority.TrimEnd('/') + "/");
            client.Timeout = TimeSpan.FromSeconds(30);
        });
        return builder;
    }

    public static WebApplicationBuilder AddConsolePages(this WebApplicationBuilder builder)
    {
        var development = builder.Environment.IsDevelopment();
        builder.Services.AddRazorPages(options => options.Conventions.ConfigureFilter(new AdminApiErrorFilter()));
        builder.Services.AddAntiforgery(options =>
        {
            options.Cookie.Name = development ? "educloud-console-af" : "__Host-educloud-console-af";
            options.Cookie.HttpOnly = true;
            options.Cookie.SameSite = SameSiteMode.Lax;
            options.Cookie.SecurePolicy = development ? CookieSecurePolicy.SameAsRequest : CookieSecurePolicy.Always;
        });
        return builder;
    }

    public static WebApplication UseConsolePipeline(this WebApplication app)
    {
        // Before the error pages: they are shown in the person's language too.
        app.UseEducloudLocalization();
        app.UseExceptionHandler(new ExceptionHandlerOptions
        {
            ExceptionHandlingPath = "/error",
            StatusCodeSelector = exception => exception is AdminApiException api ? api.Status
                : IdpUnreachable.Explains(exception) ? StatusCodes.Status503ServiceUnavailable
                : StatusCodes.Status500InternalServerError,
            // An unreachable IdP is logged once, by the error page (event 9102), not as an unhandled exception with its stack.
            SuppressDiagnosticsCallback = context => IdpUnreachable.Explains(context.Exception),
        });
        app.UseStatusCodePagesWithReExecute("/error/{0}");
        // Before authentication: a challenge the IdP refuses (unknown redirect URI) becomes the sign-in-failed page, not a 500.
        app.Use(SignInFailure.CatchChallengeFailureAsync);
        app.UseSecurityHeaders();
        app.UseStaticFiles();
        app.UseRouting();
        app.UseAuthentication();
        app.UseAuthorization();
        app.MapHealthChecks("/health/live").AllowAnonymous();
        // The switcher works before login too (the sign-in failure and signed-out pages have it).
        app.MapLanguageSwitch().AllowAnonymous();
        app.MapRazorPages();
        return app;
    }

    /// <summary>No script at all, no framing; forms may go to the IdP (sign-out and re-login redirect there).</summary>
    private static void UseSecurityHeaders(this WebApplication app)
    {
        var authority = new Uri(app.Services.GetRequiredService<IOptions<ConsoleOptions>>().Value.Authority).GetLeftPart(UriPartial.Authority);
        var csp = $"default-src 'self'; script-src 'none'; style-src 'self'; img-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self' {authority}; frame-ancestors 'none'";
        SecurityHeaderMiddleware.UseSecurityHeaders(app, _ => ValueTask.FromResult(csp), headers =>
        {
            headers.XFrameOptions = "DENY";
            // Pages show personal data: never cached.
            headers.CacheControl = "no-store";
        });
    }
}

/// <summary>The console holds the IdP's access token in its cookie; once it has expired, the person logs in again (silently if their IdP session lives).</summary>
internal static class AccessTokenLifetime
{
    public static async Task RejectWhenExpiredAsync(CookieValidatePrincipalContext context)
    {
        var expiresAt = context.Properties.GetTokenValue("expires_at");
        var now = context.HttpContext.RequestServices.GetRequiredService<TimeProvider>().GetUtcNow();
        if (expiresAt is null || !DateTimeOffset.TryParse(expiresAt, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.RoundtripKind, out var expires)
            || expires <= now.AddSeconds(30))
        {
            context.RejectPrincipal();
            await context.HttpContext.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
        }
    }
}
