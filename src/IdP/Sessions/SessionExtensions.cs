using Educloud.Idp.Settings;
using Microsoft.AspNetCore.Authentication.Cookies;

namespace Educloud.Idp.Sessions;

public static class SessionExtensions
{
    public static WebApplicationBuilder AddIdpSessions(this WebApplicationBuilder builder)
    {
        var session = builder.GetValidated(IdpSessionOptions.Section, new IdpSessionOptionsValidator());
        builder.Services.AddScoped<SessionService>();
        builder.Services.AddScoped<LoginFlow>();
        builder.Services.AddScoped<EverySession>();
        builder.Services.AddSingleton<LoginApp>();
        builder.Services.AddAuthentication(SessionDefaults.Scheme)
            .AddCookie(SessionDefaults.Scheme, options =>
            {
                HostOnlySecureCookie(options, SessionDefaults.CookieName, session.IdleTimeout);
                options.SlidingExpiration = true;
                options.LogoutPath = AccountPaths.Logout;
                options.AccessDeniedPath = AccountPaths.Error;
                options.ReturnUrlParameter = AccountPaths.ReturnUrlParameter;
                options.Events.OnValidatePrincipal = SessionService.ValidateAsync;
            })
            .AddCookie(PendingLogin.Scheme, options =>
            {
                HostOnlySecureCookie(options, PendingLogin.CookieName, PendingLogin.Lifetime);
                options.SlidingExpiration = false;
            })
            .AddCookie(RefusedUpstreamLogin.Scheme, options =>
            {
                HostOnlySecureCookie(options, RefusedUpstreamLogin.CookieName, PendingLogin.Lifetime);
                options.SlidingExpiration = false;
            });
        return builder;
    }

    private static void HostOnlySecureCookie(CookieAuthenticationOptions options, string name, TimeSpan lifetime)
    {
        options.Cookie.Name = name;
        options.Cookie.HttpOnly = true;
        options.Cookie.SecurePolicy = CookieSecurePolicy.Always;
        // Lax, not Strict: the person comes back from ID-porten with a top-level cross-site
        // redirect and must arrive with the cookies that started the login.
        options.Cookie.SameSite = SameSiteMode.Lax;
        options.Cookie.Path = "/";
        options.ExpireTimeSpan = lifetime;
        options.LoginPath = AccountPaths.Login;
    }
}
