extern alias sample;

using System.Collections.Concurrent;
using Educloud.Idp.Tests.Infrastructure;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using ApiExtensions = sample::Educloud.ResearchApp.Api.ApiExtensions;
using SampleProgram = sample::Program;

namespace Educloud.ResearchApp.Tests;

/// <summary>
/// The sample research app (samples/ResearchApp) in-process, pointed at an in-process IdP: its
/// OpenID Connect handler's back channel (discovery, JWKS, PAR, token endpoint, also used by its
/// refresh and its logout-token checks) and its API's JWKS retrieval go into the IdP's TestServer;
/// its pages' calls to its own API go into its own TestServer.
/// </summary>
public sealed class ResearchAppHost(IdpHost idp, TimeProvider? time = null, IDictionary<string, string?>? overrides = null)
    : WebApplicationFactory<SampleProgram>
{
    public const string Origin = "https://research.test";
    public const string ClientId = "research-app";
    public const string Secret = "DEVELOPMENT-ONLY-research-app-test-secret-0123";
    public const string BackChannelLogoutUri = Origin + "/backchannel-logout";

    /// <summary>The IdP's registration of the sample app, added to the IdP's test settings.</summary>
    public static Dictionary<string, string?> IdpRegistration(int index) => new()
    {
        [$"Clients:{index}:ClientId"] = ClientId,
        [$"Clients:{index}:DisplayName"] = "Sample research app (tests)",
        [$"Clients:{index}:ClientSecret"] = Secret,
        [$"Clients:{index}:RedirectUris:0"] = Origin + "/signin-oidc",
        [$"Clients:{index}:PostLogoutRedirectUris:0"] = Origin + "/signout-callback-oidc",
        [$"Clients:{index}:BackChannelLogoutUri"] = BackChannelLogoutUri,
        [$"Clients:{index}:BackChannelLogoutSessionRequired"] = "true",
        [$"Clients:{index}:Scopes:0"] = "openid",
        [$"Clients:{index}:Scopes:1"] = "profile",
        [$"Clients:{index}:Scopes:2"] = "offline_access",
    };

    /// <summary>Every token response the app's OpenID Connect handler received at login (newest last).</summary>
    public ConcurrentQueue<(string AccessToken, string? RefreshToken, string IdToken)> Logins { get; } = new();

    /// <summary>A browser that reaches both the IdP and the app, sharing the IdP's test phones.</summary>
    public TestBrowser NewBrowser()
    {
        var browser = idp.NewBrowser();
        browser.AddHost(new Uri(Origin).Host, Server.CreateHandler());
        return browser;
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Development");
        builder.UseSetting("Idp:Authority", IdpHost.Origin);
        builder.UseSetting("Idp:ClientId", ClientId);
        builder.UseSetting("Idp:ClientSecret", Secret);
        builder.UseSetting("Api:BaseAddress", Origin + "/");
        builder.UseSetting("Logging:LogLevel:Default", "Warning");
        foreach (var (key, value) in overrides ?? new Dictionary<string, string?>())
        {
            builder.UseSetting(key, value);
        }

        builder.ConfigureTestServices(services =>
        {
            // Configure (not PostConfigure): the handlers build their back channels and configuration
            // managers from these in their own post-configuration.
            services.Configure<OpenIdConnectOptions>(OpenIdConnectDefaults.AuthenticationScheme, options =>
            {
                options.BackchannelHttpHandler = idp.Server.CreateHandler();
                var received = options.Events.OnTokenResponseReceived;
                options.Events.OnTokenResponseReceived = context =>
                {
                    var response = context.TokenEndpointResponse;
                    Logins.Enqueue((response.AccessToken, response.RefreshToken, response.IdToken));
                    return received(context);
                };
            });
            services.Configure<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme,
                options => options.BackchannelHttpHandler = idp.Server.CreateHandler());
            services.AddHttpClient(ApiExtensions.Client).ConfigurePrimaryHttpMessageHandler(() => Server.CreateHandler());
            if (time is not null)
            {
                services.AddSingleton(time);
            }
        });
    }
}
