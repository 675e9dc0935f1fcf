using System.Net.Http.Headers;
using System.Security.Claims;
using Educloud.ResearchApp.Login;
using Educloud.ResearchApp.Settings;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.Options;

namespace Educloud.ResearchApp.Api;

/// <summary>
/// The app's small API, a resource server for the IdP's access tokens (RFC 9068): each request's
/// bearer token is checked here, never trusted because it came from our own pages.
/// </summary>
public static class ApiExtensions
{
    public const string Policy = "api";

    /// <summary>The named HttpClient the pages call the API with.</summary>
    public const string Client = "research-api";

    public static WebApplicationBuilder AddApi(this WebApplicationBuilder builder)
    {
        builder.Services.AddAuthentication().AddJwtBearer();
        builder.Services.AddOptions<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme)
            .Configure<IOptions<IdpSettings>, IOptions<ApiSettings>, TimeProvider>((options, idp, api, time) =>
            {
                // Issuer and signing keys (JWKS) from the IdP's discovery document, refreshed by the handler.
                options.Authority = idp.Value.Authority;
                options.RequireHttpsMetadata = idp.Value.Authority.StartsWith("https://", StringComparison.OrdinalIgnoreCase);
                // aud: only tokens the IdP issued for this API. Without it, a token a person gave to any
                // other research app could be replayed here (RFC 9068 4, RFC 8725 3.9).
                options.Audience = api.Value.AudienceOr(idp.Value);
                options.MapInboundClaims = false;
                var validation = options.TokenValidationParameters;
                // An access token, not the id_token (the IdP signs both with the same keys).
                validation.ValidTypes = ["at+jwt"];
                validation.ValidAlgorithms = IdpTokens.Algorithms;
                validation.ClockSkew = TimeSpan.FromMinutes(1);
                // exp (required) and nbf on the app's TimeProvider (the default reads the system clock).
                validation.LifetimeValidator = (notBefore, expires, _, parameters) =>
                {
                    var now = time.GetUtcNow().UtcDateTime;
                    return expires is { } exp && now < exp + parameters.ClockSkew && (notBefore is not { } nbf || nbf - parameters.ClockSkew <= now);
                };
                validation.NameClaimType = "name";
                // Signature, iss, aud, exp and nbf are checked by default; kept explicit here.
                validation.ValidateIssuer = true;
                validation.ValidateAudience = true;
                validation.ValidateLifetime = true;
                validation.RequireSignedTokens = true;
            });
        builder.Services.AddAuthorizationBuilder()
            .AddPolicy(Policy, policy => policy.AddAuthenticationSchemes(JwtBearerDefaults.AuthenticationScheme).RequireAuthenticatedUser().RequireClaim("sub"));

        builder.Services.AddHttpClient(Client, (services, client) =>
        {
            client.BaseAddress = new Uri(services.GetRequiredService<IOptions<ApiSettings>>().Value.BaseAddress);
            client.Timeout = TimeSpan.FromSeconds(10);
        });
        return builder;
    }

    public static WebApplication MapApi(this WebApplication app)
    {
        // Who the token says is calling, and how they logged in.
        app.MapGet("/api/whoami", (ClaimsPrincipal user) =>
        {
            string? One(string type) => user.FindFirst(type)?.Value;
            return Results.Json(new
            {
                sub = One("sub"),
                name = One("name"),
                client_id = One("client_id"),
                scope = One("scope"),
                acr = One("acr"),
                amr = user.FindAll("amr").Select(c => c.Value).ToArray(),
                auth_time = One("auth_time"),
                aud = user.FindAll("aud").Select(c => c.Value).ToArray(),
                exp = One("exp"),
            });
        }).RequireAuthorization(Policy);
        return app;
    }

    /// <summary>Calls the API as the logged-in person: their access token as the bearer token (RFC 6750 2.1).</summary>
    public static async Task<(int Status, string Body)> CallWhoAmIAsync(this IHttpClientFactory clients, string accessToken, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "api/whoami");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        using var response = await clients.CreateClient(Client).SendAsync(request, cancellationToken);
        return ((int)response.StatusCode, await response.Content.ReadAsStringAsync(cancellationToken));
    }
}
