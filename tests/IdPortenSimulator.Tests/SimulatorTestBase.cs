using System.Net;
using System.Security.Cryptography;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Educloud.IdPortenSimulator.Tests;

/// <summary>A fresh simulator host per test, so faults, time and stores never leak between tests.</summary>
public abstract class SimulatorTestBase : IAsyncLifetime
{
    private SimulatorHost? host;

    protected SimulatorHost Host => host ?? throw new InvalidOperationException("The host is not started.");

    protected HttpClient Client => Host.Client;

    public async Task InitializeAsync() => host = await SimulatorHost.StartAsync();

    public async Task DisposeAsync()
    {
        if (host is not null)
        {
            await host.DisposeAsync();
        }
    }

    /// <summary>Validates an id_token the way a relying party would, with keys from /jwks.</summary>
    protected async Task<JsonWebToken> ValidateIdTokenAsync(string idToken, string audience = SimulatorHost.ClientId, string issuer = SimulatorHost.Issuer)
    {
        var jwks = new JsonWebKeySet(await Client.GetStringAsync("/idporten-sim/jwks"));
        var result = await new JsonWebTokenHandler().ValidateTokenAsync(idToken, new TokenValidationParameters
        {
            ValidIssuer = issuer,
            ValidAudience = audience,
            IssuerSigningKeys = jwks.GetSigningKeys(),
            ValidAlgorithms = [SecurityAlgorithms.RsaSha256],
            // Tokens are stamped with the fake clock; exp and iat are asserted explicitly instead.
            ValidateLifetime = false,
        });
        result.IsValid.Should().BeTrue(result.Exception?.Message);
        return (JsonWebToken)result.SecurityToken;
    }

    /// <summary>Logs in with the secret client and returns the token response's id_token.</summary>
    protected async Task<string> LoginAndGetIdTokenAsync()
    {
        var verifier = SimulatorHost.NewVerifier();
        var code = await Host.GetCodeAsync(SimulatorHost.AuthorizeParameters(verifier));
        using var response = await Host.RedeemWithBasicAsync(code, verifier);
        response.StatusCode.Should().Be(HttpStatusCode.OK);
        return (await SimulatorHost.JsonAsync(response)).GetProperty("id_token").GetString()!;
    }

    /// <summary>
    /// A client assertion as a Digdir-registered client makes it: RS256 with the registered kid,
    /// iss = sub = client_id, aud = the issuer, 60 s of life. Each argument changes one thing.
    /// </summary>
    protected string ClientAssertion(
        DateTimeOffset now,
        string? audience = null,
        string? jti = null,
        RSA? key = null,
        string? kid = SimulatorHost.JwtKeyId,
        TimeSpan? lifetime = null,
        bool withIssuedAt = true) =>
        new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false }.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = SimulatorHost.JwtClientId,
            Audience = audience ?? SimulatorHost.Issuer,
            IssuedAt = withIssuedAt ? now.UtcDateTime : null,
            Expires = (now + (lifetime ?? TimeSpan.FromSeconds(60))).UtcDateTime,
            Claims = new Dictionary<string, object>
            {
                ["sub"] = SimulatorHost.JwtClientId,
                ["jti"] = jti ?? Guid.NewGuid().ToString(),
            },
            SigningCredentials = new SigningCredentials(new RsaSecurityKey(key ?? Host.ClientKey) { KeyId = kid }, SecurityAlgorithms.RsaSha256),
        });

    /// <summary>Redeems a code of the private_key_jwt client with <paramref name="assertion"/>.</summary>
    protected Task<HttpResponseMessage> RedeemWithAssertionAsync(string code, string verifier, string assertion) =>
        Host.PostFormAsync("/idporten-sim/token", new()
        {
            ["grant_type"] = "authorization_code",
            ["code"] = code,
            ["redirect_uri"] = SimulatorHost.RedirectUri,
            ["code_verifier"] = verifier,
            ["client_id"] = SimulatorHost.JwtClientId,
            ["client_assertion_type"] = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            ["client_assertion"] = assertion,
        });

    /// <summary>Restarts the host with changed options (the base class starts one with the defaults).</summary>
    protected async Task RestartAsync(Action<IdPortenSimulatorOptions> configure)
    {
        if (host is not null)
        {
            await host.DisposeAsync();
        }

        host = await SimulatorHost.StartAsync(configure);
    }
}
