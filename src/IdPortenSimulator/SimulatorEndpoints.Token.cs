using System.Buffers.Text;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Educloud.IdPortenSimulator;

internal sealed partial class SimulatorEndpoints
{
    private const string JwtBearerAssertion = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

    // Client clocks drift; ID-porten tolerates a little too.
    private static readonly TimeSpan AssertionClockSkew = TimeSpan.FromSeconds(30);

    private static readonly JsonWebTokenHandler TokenHandler = new() { SetDefaultTimesOnTokenCreation = false };

    public async Task<IResult> Token(HttpContext http)
    {
        var sim = Begin(http);
        var p = await RequestParameters.FromFormAsync(http.Request);
        if (p is null)
        {
            return JsonError(http, 400, "invalid_request", "The body must be an application/x-www-form-urlencoded form.");
        }

        if (p.Problem is { } problem)
        {
            return JsonError(http, 400, "invalid_request", problem);
        }

        var (client, authError) = await AuthenticateClient(sim, p);
        if (authError is not null)
        {
            return authError;
        }

        var grantType = p["grant_type"];
        if (grantType != "authorization_code")
        {
            return grantType is null
                ? JsonError(http, 400, "invalid_request", "grant_type is required.")
                : JsonError(http, 400, "unsupported_grant_type", "Only grant_type=authorization_code is supported.");
        }

        if (p["code"] is not { } code || p["redirect_uri"] is not { } redirectUri || p["code_verifier"] is not { } verifier)
        {
            return JsonError(http, 400, "invalid_request", "code, redirect_uri and code_verifier are required.");
        }

        // Taken out before any other check: a code that was tried once, by anyone, is spent.
        var grant = sim.Store.TakeCode(code);
        if (grant is null)
        {
            return JsonError(http, 400, "invalid_grant", "The code is unknown, expired or already used.");
        }

        if (grant.ClientId != client!.ClientId || grant.RedirectUri != redirectUri)
        {
            return JsonError(http, 400, "invalid_grant", "The code was issued to another client or redirect_uri.");
        }

        if (verifier.Length is < 43 or > 128 || !verifier.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '.' or '_' or '~') ||
            !FixedTimeEquals(Sha256Base64Url(verifier), grant.CodeChallenge))
        {
            return JsonError(http, 400, "invalid_grant", "The code_verifier does not match the code_challenge.");
        }

        var now = sim.Now;
        var sub = Sha256Base64Url(client.ClientId + grant.Pid);
        var accessToken = RandomToken(32);
        sim.Store.AddAccessToken(accessToken, new AccessTokenGrant(client.ClientId, sub, grant.Pid, now.AddSeconds(AccessTokenSeconds)));
        return JsonNoStore(http, new Dictionary<string, object>
        {
            ["access_token"] = accessToken,
            ["token_type"] = "Bearer",
            ["expires_in"] = AccessTokenSeconds,
            ["scope"] = grant.Scope,
            ["id_token"] = CreateIdToken(sim, grant, sub, accessToken, now),
        });
    }

    private static string CreateIdToken(Sim sim, AuthorizationCodeGrant grant, string sub, string accessToken, DateTimeOffset now)
    {
        // at_hash: the left half of SHA-256 of the access token (OpenID Connect Core 3.1.3.6).
        var accessTokenHash = SHA256.HashData(Encoding.ASCII.GetBytes(accessToken));
        var faults = sim.Faults;
        var lifetime = sim.Options.IdTokenLifetime;
        var issuedAt = faults.IdTokenExpiredAgo is { } ago ? now - ago - lifetime
            : faults.IdTokenIssuedAhead is { } ahead ? now + ahead
            : now;
        var claims = new Dictionary<string, object>
        {
            ["sub"] = sub,
            ["pid"] = grant.Pid,
            ["acr"] = grant.Acr,
            ["amr"] = new[] { "TestID" },
            ["auth_time"] = grant.AuthTime.ToUnixTimeSeconds(),
            ["nonce"] = grant.Nonce,
            ["sid"] = grant.Sid,
            ["locale"] = grant.Locale,
            ["jti"] = RandomToken(16),
            ["at_hash"] = Base64Url.EncodeToString(accessTokenHash.AsSpan(0, accessTokenHash.Length / 2)),
        };
        if (faults.ExtraAudienceInIdToken)
        {
            claims["aud"] = new[] { grant.ClientId, IdPortenSimulatorFaults.ForeignClientId };
        }

        if (faults.ForeignAzpInIdToken)
        {
            claims["azp"] = IdPortenSimulatorFaults.ForeignClientId;
        }

        return TokenHandler.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = faults.WrongIssuerInIdToken ? IdPortenSimulatorFaults.WrongIssuer : sim.Issuer,
            Audience = faults.ExtraAudienceInIdToken ? null : faults.ForeignAudienceInIdToken ? IdPortenSimulatorFaults.ForeignClientId : grant.ClientId,
            IssuedAt = issuedAt.UtcDateTime,
            Expires = (issuedAt + lifetime).UtcDateTime,
            SigningCredentials = sim.Key.Credentials,
            Claims = claims,
        });
    }

    /// <summary>
    /// client_secret_basic, client_secret_post or private_key_jwt; exactly one of them (RFC 6749 2.3).
    /// </summary>
    private static async Task<(SimulatedClient? Client, IResult? Error)> AuthenticateClient(Sim sim, RequestParameters p)
    {
        var http = sim.Http;
        IResult Unauthorized(string description)
        {
            http.Response.Headers.WWWAuthenticate = "Basic realm=\"idporten-sim\"";
            return JsonError(http, 401, "invalid_client", description);
        }

        var authorization = http.Request.Headers.Authorization;
        var formClientId = p["client_id"];
        var usesBasic = authorization.Count > 0;
        var usesPost = p["client_secret"] is not null;
        var usesJwt = p["client_assertion"] is not null || p["client_assertion_type"] is not null;
        if ((usesBasic ? 1 : 0) + (usesPost ? 1 : 0) + (usesJwt ? 1 : 0) > 1 || authorization.Count > 1)
        {
            return (null, JsonError(http, 400, "invalid_request", "Use exactly one client authentication method."));
        }

        if (usesBasic)
        {
            if (!TryParseBasic(authorization[0], out var id, out var secret))
            {
                return (null, Unauthorized("The Authorization header is not valid HTTP Basic."));
            }

            var client = sim.Options.FindClient(id);
            if (client?.ClientSecret is null || !FixedTimeEquals(secret, client.ClientSecret) || (formClientId is not null && formClientId != id))
            {
                return (null, Unauthorized("Client authentication failed."));
            }

            return (client, null);
        }

        if (usesPost)
        {
            var client = sim.Options.FindClient(formClientId);
            if (client?.ClientSecret is null || !FixedTimeEquals(p["client_secret"]!, client.ClientSecret))
            {
                return (null, Unauthorized("Client authentication failed."));
            }

            return (client, null);
        }

        if (usesJwt)
        {
            return await AuthenticateWithAssertion(sim, p, Unauthorized);
        }

        return (null, Unauthorized("Client authentication is required."));
    }

    private static async Task<(SimulatedClient? Client, IResult? Error)> AuthenticateWithAssertion(
        Sim sim, RequestParameters p, Func<string, IResult> unauthorized)
    {
        if (p["client_assertion_type"] != JwtBearerAssertion || p["client_assertion"] is not { } assertion)
        {
            return (null, unauthorized($"private_key_jwt needs client_assertion and client_assertion_type={JwtBearerAssertion}."));
        }

        // client_id is optional beside an assertion (RFC 7523 3); then the assertion names the client.
        var clientId = p["client_id"] ?? UnverifiedIssuer(assertion);
        var client = sim.Options.FindClient(clientId);
        if (client?.PublicKeyPem is null || sim.ClientKeys.Get(client.PublicKeyPem) is not { } key)
        {
            return (null, unauthorized("Client authentication failed."));
        }

        var result = await TokenHandler.ValidateTokenAsync(assertion, new TokenValidationParameters
        {
            IssuerSigningKey = key,
            ValidIssuer = client.ClientId,
            ValidAudiences = [sim.Issuer, sim.Issuer + "/token"],
            ValidAlgorithms = ["RS256", "ES256"],
            // Lifetime is checked below against the injected TimeProvider.
            ValidateLifetime = false,
        });
        var now = sim.Now;
        if (!result.IsValid || result.SecurityToken is not JsonWebToken jwt || jwt.Subject != client.ClientId)
        {
            return (null, unauthorized("The client assertion is not valid for this client."));
        }

        var expires = jwt.ValidTo == DateTime.MinValue ? (DateTimeOffset?)null : new DateTimeOffset(jwt.ValidTo, TimeSpan.Zero);
        var notBefore = jwt.ValidFrom == DateTime.MinValue ? (DateTimeOffset?)null : new DateTimeOffset(jwt.ValidFrom, TimeSpan.Zero);
        if (expires is null || expires.Value + AssertionClockSkew <= now || notBefore > now + AssertionClockSkew)
        {
            return (null, unauthorized("The client assertion has expired or has no exp."));
        }

        if (string.IsNullOrEmpty(jwt.Id) || !sim.Store.TryUseAssertionId(client.ClientId, jwt.Id, expires.Value + AssertionClockSkew))
        {
            return (null, unauthorized("The client assertion has no jti, or was used before."));
        }

        return (client, null);
    }

    private static string? UnverifiedIssuer(string assertion)
    {
        try
        {
            return TokenHandler.CanReadToken(assertion) ? TokenHandler.ReadJsonWebToken(assertion).Issuer : null;
        }
        catch (Exception e) when (e is ArgumentException or SecurityTokenException)
        {
            return null;
        }
    }

    /// <summary>RFC 6749 2.3.1: id and secret are form-urlencoded before they are put in the header.</summary>
    private static bool TryParseBasic(string? header, out string id, out string secret)
    {
        id = secret = "";
        if (header is null || !header.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        var encoded = header["Basic ".Length..].Trim();
        var bytes = new byte[encoded.Length];
        if (!Convert.TryFromBase64String(encoded, bytes, out var length))
        {
            return false;
        }

        var decoded = Encoding.UTF8.GetString(bytes, 0, length);
        var colon = decoded.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0)
        {
            return false;
        }

        id = WebUtility.UrlDecode(decoded[..colon]);
        secret = WebUtility.UrlDecode(decoded[(colon + 1)..]);
        return true;
    }

    public IResult Userinfo(HttpContext http)
    {
        var sim = Begin(http);
        var authorization = http.Request.Headers.Authorization;
        var header = authorization.Count == 1 ? authorization[0] : null;
        if (header is null || !header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            http.Response.Headers.WWWAuthenticate = "Bearer realm=\"idporten-sim\"";
            return Results.Unauthorized();
        }

        if (sim.Store.FindAccessToken(header["Bearer ".Length..].Trim()) is not { } grant)
        {
            http.Response.Headers.WWWAuthenticate = "Bearer realm=\"idporten-sim\", error=\"invalid_token\", error_description=\"The access token is unknown or expired.\"";
            return Results.Unauthorized();
        }

        return JsonNoStore(http, new Dictionary<string, string> { ["sub"] = grant.Sub, ["pid"] = grant.Pid });
    }
}
