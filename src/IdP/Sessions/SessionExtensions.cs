using Educloud.Idp.Settings;
using Microsoft.AspNetCore.Authentication.Cookies;

namespace Educloud.Idp.Sessions;

public static class SessionExtensions
{
    public static WebApplicationBuilder AddIdpSessions(this WebApplicationBuilder builder)
    {
        var session = builder.Configuration.GetSection(IdpSessionOptions.Section).Get<IdpSessionOptions>() ?? new IdpSessionOptions();
        builder.Services.AddScoped<SessionService>();
        builder.Services.AddScoped<LoginCompletion>();
        builder.Services.AddAuthentication(SessionDefaults.Scheme)
            .AddCookie(SessionDefaults.Scheme, options =>
            {
                options.Cookie.Name = SessionDefaults.CookieName;
                options.Cookie.HttpOnly = true;
                options.Cookie.SecurePolicy = CookieSecurePolicy.Always;
                // Lax, not Strict: the user comes back from ID-porten with a top-level cross-site
                // redirect and must arrive with the session that started the login.
                options.Cookie.SameSite = SameSiteMode.Lax;
                options.Cookie.Path = "/";
                options.SlidingExpiration = true;
                options.ExpireTimeSpan = session.IdleTimeout;
                options.LoginPath = "/account/login";
                options.LogoutPath = "/account/logout";
                options.AccessDeniedPath = "/error";
                options.ReturnUrlParameter = "returnUrl";
                options.Events.OnValidatePrincipal = SessionService.ValidateAsync;
            })
            .AddCookie(PendingLogin.Scheme, options =>
            {
                options.Cookie.Name = PendingLogin.CookieName;
                options.Cookie.HttpOnly = true;
                options.Cookie.SecurePolicy = CookieSecurePolicy.Always;
                options.Cookie.SameSite = SameSiteMode.Lax;
                options.Cookie.Path = "/";
                options.ExpireTimeSpan = PendingLogin.Lifetime;
                options.SlidingExpiration = false;
                options.LoginPath = "/account/login";
            });
        return builder;
    }
}
