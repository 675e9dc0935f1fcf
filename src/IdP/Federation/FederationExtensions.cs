using Educloud.Idp.Hosting;
using Educloud.Idp.Keys;
using Educloud.Idp.Settings;
using Educloud.IdPortenSimulator;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Protocols;
using Microsoft.IdentityModel.Tokens;
using OpenIddict.Abstractions;
using OpenIddict.Client;
using Polly;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace Educloud.Idp.Federation;

public static class FederationExtensions
{
    public const string ProviderName = "idporten";
    public const string SimulatorPath = "/idporten-sim";

    /// <summary>Where ID-porten sends the person back after our logout there (register it at Digdir as post_logout_redirect_uri).</summary>
    public const string PostLogoutPath = "/federation/idporten/logged-out";

    /// <summary>ID-porten as the upstream (OpenIddict client): one registration built from configuration.</summary>
    public static WebApplicationBuilder AddIdPortenFederation(this WebApplicationBuilder builder)
    {
        SimulatorIssuer.FollowServerAddress(builder);
        var idporten = builder.GetValidated(IdPortenOptions.Section, new IdPortenOptionsValidator(builder.Environment));
        var issuer = builder.GetFixedIssuer();
        builder.Services.AddScoped<UserDirectory>();
        builder.Services.AddSingleton<PidProtector>();
        builder.Services.AddSingleton<IdTokenChecks>();
        builder.Services.AddSingleton<IdPortenAvailability>();
        builder.Services.AddSingleton<AppErrorReturn>();

        builder.Services.AddSingleton<LogoutTokenIds>();

        var registration = new OpenIddictClientRegistration
        {
            Issuer = new Uri(idporten.Issuer, UriKind.Absolute),
            ProviderName = ProviderName,
            ProviderDisplayName = "ID-porten",
            ClientId = idporten.ClientId,
            ClientSecret = string.IsNullOrWhiteSpace(idporten.ClientSecret) ? null : idporten.ClientSecret,
            // On Server:Issuer when set (the URIs registered at Digdir); else relative, on the request's origin (Development).
            RedirectUri = OnIssuer(issuer, idporten.RedirectPath),
            PostLogoutRedirectUri = OnIssuer(issuer, PostLogoutPath),
        };
        registration.Scopes.UnionWith(idporten.Scopes.Count > 0 ? idporten.Scopes : [Scopes.OpenId, Scopes.Profile]);

        if (!string.IsNullOrWhiteSpace(idporten.PrivateKeyPath))
        {
            // private_key_jwt (Digdir's recommendation): the IdP proves itself with a signed assertion.
            // RSA only, with its kid as registered at Digdir (IdPortenClientKey).
            registration.SigningCredentials.Add(PemKeys.Credentials(IdPortenClientKey.Load(idporten.PrivateKeyPath, idporten.PrivateKeyId)));
        }

        builder.Services.AddOpenIddict().AddClient(options =>
        {
            options.AllowAuthorizationCodeFlow();
            if (issuer is not null)
            {
                options.SetClientUri(issuer);
            }

            options.SetRedirectionEndpointUris(idporten.RedirectPath.TrimStart('/'));
            options.SetPostLogoutRedirectionEndpointUris(PostLogoutPath.TrimStart('/'));
            options.AddRegistration(registration);

            // ID-porten refuses client assertions that live longer than 120 s (so does the simulator);
            // OpenIddict's default is 5 minutes. One minute is plenty for the one request each is made for.
            options.SetClientAssertionLifetime(TimeSpan.FromMinutes(1));

            // Error passthrough: a refused ID-porten response (wrong or missing iss, bad state, an
            // error from ID-porten, a bad id_token) reaches CallbackAsync, which logs why and shows the
            // generic login-failed page, instead of OpenIddict writing the raw error as text/plain.
            var aspNetCore = options.UseAspNetCore().EnableRedirectionEndpointPassthrough().EnablePostLogoutRedirectionEndpointPassthrough().EnableErrorPassthrough();
            if (builder.Environment.IsDevelopment())
            {
                aspNetCore.DisableTransportSecurityRequirement();
            }

            // A short budget for every call to ID-porten, retries included (HttpClient.Timeout covers the
            // whole handler chain): OpenIddict's default (1-min timeout, 4 retries 1+2+4+8 s apart) kept
            // a person waiting 15 s and more before an error. One quick retry for a transient failure.
            options.UseSystemNetHttp()
                .SetProductInformation(typeof(FederationExtensions).Assembly)
                .ConfigureHttpClient(client => client.Timeout = idporten.BackchannelTimeout)
                .SetHttpResiliencePipeline(pipeline => pipeline.AddRetry(new HttpRetryStrategyOptions
                {
                    MaxRetryAttempts = 1,
                    Delay = TimeSpan.FromMilliseconds(200),
                    BackoffType = DelayBackoffType.Constant,
                    UseJitter = false,
                }));

            // exp, iat, aud and azp of ID-porten's id_token (OpenIddict 7.8 checks no lifetime of it).
            options.AddEventHandler(IdTokenChecks.Descriptor);

            // ID-porten unreachable when a login or logout starts: our error page (503), not OpenIddict's text.
            UpstreamStartFailure.Register(options);

            // No userinfo request after the code exchange: the id_token holds all we read.
            options.AddEventHandler(NoUserInfoRequest.Descriptor);
        });

        builder.Services.AddOptions<OpenIddictClientOptions>().Configure<KeyMaterial>((options, keys) =>
        {
            // The client's state tokens are protected with the same keys as the server's tokens.
            options.SigningCredentials.Add(PemKeys.Credentials(keys.SigningKeys[0]));
            options.EncryptionCredentials.Add(new EncryptingCredentials(keys.EncryptionKey, SecurityAlgorithms.Aes256KW, SecurityAlgorithms.Aes256CbcHmacSha512));
        });

        builder.Services.AddOptions<OpenIddictClientOptions>().PostConfigure<IdPortenAvailability, OpenIddictClientService>((options, availability, service) =>
        {
            // Runs after OpenIddict's own post-configuration (registered before this one), which made
            // the registration's configuration manager: the same manager again (it keeps the last good
            // metadata when a refresh fails), with every fetch observed (IdPortenAvailability).
            var registration = options.Registrations.Single(r => r.ProviderName == ProviderName);
            var endpoint = registration.ConfigurationEndpoint ?? throw new InvalidOperationException("OpenIddict did not resolve ID-porten's configuration endpoint.");
            registration.ConfigurationManager = new ConfigurationManager<OpenIddictConfiguration>(
                endpoint.AbsoluteUri, availability.Observe(new OpenIddictClientRetriever(service, registration)))
            {
                AutomaticRefreshInterval = BaseConfigurationManager.DefaultAutomaticRefreshInterval,
                RefreshInterval = BaseConfigurationManager.DefaultRefreshInterval,
            };
        });

        if (idporten.UseSimulator)
        {
            // Development only (the options validator refuses it elsewhere): the simulator is served
            // by this same process, and knows the IdP as its one client.
            // The simulator shares our origin: our endpoints are on our issuer, or its issuer's origin, plus their paths.
            string OnOurOrigin(string path) => new Uri(issuer ?? new Uri(idporten.Issuer), path).AbsoluteUri;
            builder.Services.AddIdPortenSimulator(simulator =>
            {
                var client = new SimulatedClient
                {
                    ClientId = idporten.ClientId,
                    ClientSecret = idporten.ClientSecret,
                    PublicKeyPem = registration.SigningCredentials.FirstOrDefault()?.Key is AsymmetricSecurityKey key ? PublicPem(key) : null,
                    // The kid our client assertions carry: the simulator, like ID-porten, matches it to the registered key.
                    KeyId = idporten.PrivateKeyId,
                };
                client.RedirectUris.Add(OnOurOrigin(idporten.RedirectPath));
                client.FrontChannelLogoutUri = OnOurOrigin(idporten.FrontChannelLogoutPath);
                client.BackChannelLogoutUri = OnOurOrigin(idporten.BackChannelLogoutPath);
                client.PostLogoutRedirectUris.Add(OnOurOrigin(PostLogoutPath));
                simulator.Clients.Add(client);
            });
        }

        return builder;
    }

    public static WebApplication MapIdPortenFederation(this WebApplication app)
    {
        var idporten = app.Services.GetRequiredService<IOptions<IdPortenOptions>>().Value;
        app.MapMethods(idporten.RedirectPath, [HttpMethods.Get, HttpMethods.Post], FederationEndpoints.CallbackAsync).DisableAntiforgery();
        app.MapGet(idporten.FrontChannelLogoutPath, FrontChannelLogout.HandleAsync);
        app.MapPost(idporten.BackChannelLogoutPath, BackChannelLogout.HandleAsync).DisableAntiforgery();
        app.MapMethods(PostLogoutPath, [HttpMethods.Get, HttpMethods.Post], FederationEndpoints.LoggedOutAsync).DisableAntiforgery();
        if (idporten.UseSimulator && app.Environment.IsDevelopment())
        {
            app.MapIdPortenSimulator(SimulatorPath);
        }

        return app;
    }

    private static Uri OnIssuer(Uri? issuer, string path) =>
        issuer is null ? new Uri(path.TrimStart('/'), UriKind.Relative) : new Uri(issuer, path.TrimStart('/'));

    private static string? PublicPem(AsymmetricSecurityKey key) => key switch
    {
        ECDsaSecurityKey ec => ec.ECDsa.ExportSubjectPublicKeyInfoPem(),
        RsaSecurityKey { Rsa: not null } rsa => rsa.Rsa.ExportSubjectPublicKeyInfoPem(),
        _ => null,
    };
}
