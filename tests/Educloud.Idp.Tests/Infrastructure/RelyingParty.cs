using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;

namespace Educloud.Idp.Tests.Infrastructure;

/// <summary>
/// A research app as a developer would write it: ASP.NET Core's own OpenID Connect handler
/// (authorization code + PKCE, confidential client), talking to the IdP over its back channel.
/// GET /protected demands a login and answers with the claims and tokens it received.
/// </summary>
public sealed class RelyingParty : IAsyncDisposable
{
    private readonly WebApplication app;

    private RelyingParty(WebApplication app) => this.app = app;

    public HttpMessageHandler Handler => app.GetTestServer().CreateHandler();

    public static async Task<RelyingParty> StartAsync(IdpHost idp, string clientId = IdpHost.AppClientId, string? secret = IdpHost.AppSecret, params string[] scopes)
    {
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseTestServer(o => o.BaseAddress = new Uri(IdpHost.AppOrigin));
        builder.Services.AddAuthentication(o =>
            {
                o.DefaultScheme = CookieAuthenticationDefaults.AuthenticationScheme;
                o.DefaultChallengeScheme = OpenIdConnectDefaults.AuthenticationScheme;
            })
            .AddCookie()
            .AddOpenIdConnect(o =>
            {
                o.Authority = IdpHost.Origin;
                o.ClientId = clientId;
                o.ClientSecret = secret;
                o.ResponseType = OpenIdConnectResponseType.Code;
                o.UsePkce = true;
                o.SaveTokens = true;
                o.MapInboundClaims = false;
                o.GetClaimsFromUserInfoEndpoint = true;
                o.Scope.Clear();
                foreach (var scope in scopes.Length > 0 ? scopes : ["openid", "profile", "email", "offline_access"])
                {
                    o.Scope.Add(scope);
                }

                o.BackchannelHttpHandler = idp.Server.CreateHandler();
                o.TokenValidationParameters.NameClaimType = "name";
            });
        builder.Services.AddAuthorization();

        var app = builder.Build();
        app.UseAuthentication();
        app.UseAuthorization();
        app.MapGet("/protected", async (HttpContext http) =>
        {
            var auth = await http.AuthenticateAsync();
            return Results.Json(new
            {
                claims = http.User.Claims.Select(c => new { c.Type, c.Value }),
                id_token = auth.Properties?.GetTokenValue("id_token"),
                access_token = auth.Properties?.GetTokenValue("access_token"),
                refresh_token = auth.Properties?.GetTokenValue("refresh_token"),
            });
        }).RequireAuthorization();
        app.MapGet("/logout", () => Results.SignOut(
            new AuthenticationProperties { RedirectUri = "/" },
            [CookieAuthenticationDefaults.AuthenticationScheme, OpenIdConnectDefaults.AuthenticationScheme]));
        await app.StartAsync();
        return new RelyingParty(app);
    }

    public async ValueTask DisposeAsync() => await app.DisposeAsync();
}

public sealed record AppSession(IReadOnlyList<Claim> Claims, string IdToken, string AccessToken, string? RefreshToken);
