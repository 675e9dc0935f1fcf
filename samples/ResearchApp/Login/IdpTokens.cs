using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Educloud.ResearchApp.Login;

/// <summary>
/// Checks a JWT the IdP signed (a logout token, a refreshed id_token) with Microsoft.IdentityModel:
/// signature with a key of the IdP's JWKS, an asymmetric algorithm, <c>iss</c> exactly the IdP's
/// issuer, <c>aud</c> and <c>typ</c>. Keys and issuer come from the IdP's discovery document, through
/// the OpenID Connect handler's own configuration manager (one cache, refreshed by the handler).
/// Time-based checks are the caller's, on its TimeProvider.
/// </summary>
public sealed class IdpTokens(IOptionsMonitor<OpenIdConnectOptions> oidc)
{
    /// <summary>What the IdP signs with (RFC 8725 3.1: never "none", never a symmetric algorithm).</summary>
    public static readonly string[] Algorithms = [SecurityAlgorithms.EcdsaSha256, SecurityAlgorithms.RsaSha256];

    private readonly JsonWebTokenHandler handler = new();

    /// <summary>The token when signature, algorithm, iss, aud and typ hold; null otherwise. Throws InvalidOperationException when the IdP's keys cannot be fetched.</summary>
    public async Task<JsonWebToken?> ValidateAsync(string jwt, string audience, string type, CancellationToken cancellationToken)
    {
        var manager = oidc.Get(OpenIdConnectDefaults.AuthenticationScheme).ConfigurationManager
            ?? throw new InvalidOperationException("The OpenID Connect handler has no configuration manager.");
        for (var attempt = 0; attempt < 2; attempt++)
        {
            var configuration = await manager.GetConfigurationAsync(cancellationToken);
            var result = await handler.ValidateTokenAsync(jwt, new TokenValidationParameters
            {
                IssuerSigningKeys = configuration.SigningKeys,
                ValidAlgorithms = Algorithms,
                ValidIssuer = configuration.Issuer,
                ValidAudience = audience,
                ValidTypes = [type],
                ValidateLifetime = false,
                RequireExpirationTime = false,
                TryAllIssuerSigningKeys = false,
            });
            if (result.IsValid && result.SecurityToken is JsonWebToken token)
            {
                return token;
            }

            if (attempt == 0 && result.Exception is SecurityTokenSignatureKeyNotFoundException)
            {
                // The IdP rolled its keys since discovery was read: read it again, once (the manager throttles refreshes).
                manager.RequestRefresh();
                continue;
            }

            return null;
        }

        return null;
    }
}
