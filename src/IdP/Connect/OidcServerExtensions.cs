using Educloud.Idp.Data;
using Educloud.Idp.Hosting;
using Educloud.Idp.Keys;
using Educloud.Idp.Logout;
using Educloud.Idp.Settings;
using Microsoft.IdentityModel.Tokens;
using OpenIddict.Abstractions;
using OpenIddict.EntityFrameworkCore.Models;
using OpenIddict.Server;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace Educloud.Idp.Connect;

public static class OidcServerExtensions
{
    /// <summary>The OpenID Connect server (docs/architecture.md "Protocol"): code + PKCE S256 only, rotating refresh tokens, PAR.</summary>
    public static WebApplicationBuilder AddIdpOidcServer(this WebApplicationBuilder builder)
    {
        var tokens = builder.GetValidated(TokenOptions.Section, new TokenOptionsValidator());
        var issuer = builder.GetFixedIssuer();
        builder.Services.AddScoped<IdpClaims>();
        builder.Services.AddScoped<ClientRegistrar>();
        builder.Services.AddScoped<SignInWrites>();
        builder.Services.AddSingleton<VerifiedClientSecrets>();
        // Apps kept across requests, emptied on every change (CachedApplications); OpenIddict's own
        // cache lives for one request only.
        builder.Services.AddScoped<IOpenIddictApplicationCache<OpenIddictEntityFrameworkCoreApplication>, IdpApplicationCache>();
        // Each event's handlers looked up once, not by walking every handler at every event (IndexedDispatchers).
        builder.Services.AddIdpIndexedDispatchers();

        builder.Services.AddOpenIddict()
            .AddCore(options =>
            {
                options.UseEntityFrameworkCore().UseDbContext<IdpDbContext>();
                // Remembers verified client secrets so PBKDF2 runs once per secret, not per request.
                options.ReplaceApplicationManager(typeof(IdpApplicationManager<>));
                // Fewer round trips per login and grant: a code's, PAR request's or ID-porten state token's row written
                // once, not INSERT + UPDATE (TokenRowStore); a sign-in's rows saved together (SignInWrites).
                options.ReplaceTokenStore<OpenIddictEntityFrameworkCoreToken, TokenRowStore>();
                options.ReplaceAuthorizationStore<OpenIddictEntityFrameworkCoreAuthorization, AuthorizationRowStore>();
            })
            .AddServer(options =>
            {
                // Server:Issuer: discovery and every token's iss, never from the Host header (FixedIssuer).
                if (issuer is not null)
                {
                    options.SetIssuer(issuer);
                }

                options.SetAuthorizationEndpointUris(ConnectPaths.Authorize)
                       .SetPushedAuthorizationEndpointUris(ConnectPaths.PushedAuthorization)
                       .SetTokenEndpointUris(ConnectPaths.Token)
                       .SetUserInfoEndpointUris(ConnectPaths.UserInfo)
                       .SetEndSessionEndpointUris(ConnectPaths.EndSession)
                       .SetIntrospectionEndpointUris(ConnectPaths.Introspection)
                       .SetRevocationEndpointUris(ConnectPaths.Revocation);

                // Authorization code (+ refresh) for people, client credentials for machines.
                // No implicit, hybrid or password grant (RFC 9700 2.1.2, 2.4).
                options.AllowAuthorizationCodeFlow()
                       .AllowRefreshTokenFlow()
                       .AllowClientCredentialsFlow()
                       .RequireProofKeyForCodeExchange();

                // S256 only: "plain" gives no protection when the authorization request leaks (RFC 9700 2.1.1).
                options.Configure(o =>
                {
                    o.CodeChallengeMethods.Clear();
                    o.CodeChallengeMethods.Add(CodeChallengeMethods.Sha256);
                });

                // Repeated parameters refused everywhere, oversized ones at the front channel (ParameterRules).
                options.EnforceParameterRules();
                options.EnforceClientAuthenticationMethod();
                // Introspection and revocation answer only to a token's audience or owner (TokenCallerRule).
                options.EnforceTokenCallers();
                options.DoNotStoreIdentityTokens();
                SignInWrites.AddTo(options);
                // Which apps got a login in which session, and back-channel logout in discovery (Logout/).
                options.AddBackChannelLogout();

                options.RegisterScopes([.. IdpScopes.All]);
                options.RegisterClaims(Claims.Subject, Claims.Name, Claims.PreferredUsername, Claims.Email, Claims.EmailVerified,
                    Claims.AuthenticationTime, Claims.AuthenticationContextReference, Claims.AuthenticationMethodReference,
                    IdpClaimTypes.SessionId, IdpClaimTypes.Pid, Claims.Role);

                // A code or refresh token is redeemed once; presented again, it revokes the whole authorization at once
                // (RFC 9700 4.14.2): no grace period in which a thief and the app both hold valid tokens.
                options.RedeemTokensOnce();
                options.SetRefreshTokenReuseLeeway(TimeSpan.Zero)
                       .DisableSlidingRefreshTokenExpiration()
                       .SetRefreshTokenLifetime(tokens.RefreshTokenLifetime)
                       .SetAccessTokenLifetime(tokens.AccessTokenLifetime)
                       .SetIdentityTokenLifetime(tokens.IdentityTokenLifetime)
                       .SetAuthorizationCodeLifetime(tokens.AuthorizationCodeLifetime);

                // Resource servers validate access tokens themselves from the JWKS: signed, not encrypted.
                options.DisableAccessTokenEncryption();

                var aspNetCore = options.UseAspNetCore()
                       .EnableAuthorizationEndpointPassthrough()
                       .EnableTokenEndpointPassthrough()
                       .EnableUserInfoEndpointPassthrough()
                       .EnableEndSessionEndpointPassthrough()
                       .EnableStatusCodePagesIntegration();
                if (builder.Environment.IsDevelopment())
                {
                    // Development runs on http://localhost; everywhere else OpenIddict refuses plain HTTP.
                    aspNetCore.DisableTransportSecurityRequirement();
                }
            });

        // Keys are resolved from the container (validated options) rather than at registration time.
        builder.Services.AddOptions<OpenIddictServerOptions>().Configure<KeyMaterial>((options, keys) =>
        {
            foreach (var key in keys.SigningKeys)
            {
                options.SigningCredentials.Add(PemKeys.Credentials(key));
            }

            options.EncryptionCredentials.Add(new EncryptingCredentials(keys.EncryptionKey, SecurityAlgorithms.Aes256KW, SecurityAlgorithms.Aes256CbcHmacSha512));
        });

        return builder;
    }
}

public static class ConnectPaths
{
    public const string Authorize = "connect/authorize";
    public const string PushedAuthorization = "connect/par";
    public const string Token = "connect/token";
    public const string UserInfo = "connect/userinfo";
    public const string EndSession = "connect/endsession";
    public const string Introspection = "connect/introspect";
    public const string Revocation = "connect/revoke";
}
