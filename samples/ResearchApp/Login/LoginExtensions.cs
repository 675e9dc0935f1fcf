using Educloud.ResearchApp.BackChannelLogout;
using Educloud.ResearchApp.Settings;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace Educloud.ResearchApp.Login;

/// <summary>
/// The login: ASP.NET Core's OpenID Connect handler against the Educloud IdP (authorization code
/// with PKCE, a confidential client, PAR) and a cookie session holding the tokens.
/// </summary>
public static class LoginExtensions
{
    public static WebApplicationBuilder AddLogin(this WebApplicationBuilder builder)
    {
        var development = builder.Environment.IsDevelopment();
        builder.Services.AddSingleton<IdpTokens>();
        builder.Services.AddSingleton<TokenRefresher>();
        builder.Services.AddSingleton<EndedSessions>();
        builder.Services.AddSingleton<LogoutTokens>();

        builder.Services.AddAuthentication(options =>
            {
                options.DefaultScheme = CookieAuthenticationDefaults.AuthenticationScheme;
                options.DefaultChallengeScheme = OpenIdConnectDefaults.AuthenticationScheme;
            })
            .AddCookie(options =>
            {
                options.Cookie.Name = development ? "research-app" : "__Host-research-app";
                options.Cookie.HttpOnly = true;
                // Lax: the person comes back from the IdP by a top-level redirect.
                options.Cookie.SameSite = SameSiteMode.Lax;
                options.Cookie.SecurePolicy = development ? CookieSecurePolicy.SameAsRequest : CookieSecurePolicy.Always;
                // A fixed lifetime, not sliding: no longer than the IdP's refresh tokens live (12 h),
                // and EndedSessions remembers an ended session exactly that long.
                options.ExpireTimeSpan = EndedSessions.Remember;
                options.SlidingExpiration = false;
                options.Events.OnValidatePrincipal = SessionValidation.ValidateAsync;
            })
            .AddOpenIdConnect();

        builder.Services.AddOptions<OpenIdConnectOptions>(OpenIdConnectDefaults.AuthenticationScheme)
            .Configure<IOptions<IdpSettings>>((options, settings) =>
            {
                var idp = settings.Value;
                options.Authority = idp.Authority;
                options.RequireHttpsMetadata = idp.Authority.StartsWith("https://", StringComparison.OrdinalIgnoreCase);
                options.ClientId = idp.ClientId;
                options.ClientSecret = idp.ClientSecret;
                options.ResponseType = "code";
                options.UsePkce = true;
                // PAR (RFC 9126): the request goes to the IdP server to server and the browser carries
                // only a request_uri, so nobody on the way can read or change it. The IdP offers PAR;
                // Require fails the login if it ever stopped, instead of silently going without.
                options.PushedAuthorizationBehavior = PushedAuthorizationBehavior.Require;
                // The code comes back in the query: a plain redirect, no script at either end.
                options.ResponseMode = "query";
                options.SaveTokens = true;
                options.MapInboundClaims = false;
                options.GetClaimsFromUserInfoEndpoint = false;
                options.Scope.Clear();
                // offline_access: a refresh token, to get new access tokens without sending the person back.
                foreach (var scope in new[] { "openid", "profile", "offline_access" })
                {
                    options.Scope.Add(scope);
                }

                // The level of assurance the app needs at ID-porten (the IdP asks ID-porten for it, and
                // the id_token's acr says what was done).
                options.AdditionalAuthorizationParameters["acr_values"] = idp.AcrValues;
                // The handler drops acr from the person's claims by default; this app shows it (and could decide on it).
                options.ClaimActions.Remove("acr");
                options.TokenValidationParameters.NameClaimType = "name";
                options.SignedOutRedirectUri = "/";
                options.BackchannelTimeout = TimeSpan.FromSeconds(10);
                // The IdP needs no library names and versions in the authorization request.
                options.DisableTelemetry = true;
                options.CorrelationCookie.SecurePolicy = CookieSecurePolicy.Always;
                options.NonceCookie.SecurePolicy = CookieSecurePolicy.Always;
                options.Events = new OpenIdConnectEvents
                {
                    // Back to the page first asked for, only if it is this app's (no open redirect).
                    OnTicketReceived = context =>
                    {
                        if (!RedirectHttpResult.IsLocalUrl(context.ReturnUri) || context.ReturnUri.StartsWith('~'))
                        {
                            context.ReturnUri = "/";
                        }

                        return Task.CompletedTask;
                    },
                };
            });

        return builder;
    }

    public static WebApplication MapLogin(this WebApplication app)
    {
        app.MapGet("/login", () => Results.Challenge(new AuthenticationProperties { RedirectUri = "/" }, [OpenIdConnectDefaults.AuthenticationScheme]))
            .AllowAnonymous();
        return app;
    }
}
