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
    private static readonly JsonWebTokenHandler TokenHandler = new() { SetDefaultTimesOnTokenCreation = false };

    public async Task<IResult> Token(HttpContext http)
    {
        var (sim, p, client, refused) = await AuthenticatedFormAsync(http);
        if (refused is not null)
        {
            return refused;
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

        if (grant.ClientId != client.ClientId || grant.RedirectUri != redirectUri)
        {
            return JsonError(http, 400, "invalid_grant", "The code was issued to another client or redirect_uri.");
        }

        if (verifier.Length is < 43 or > 128 || !verifier.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '.' or '_' or '~') ||
            !FixedTimeEquals(Sha256Base64Url(verifier), grant.CodeChallenge))
        {
            return JsonError(http, 400, "invalid_grant", "The code_verifier does not match the code_challenge.");
        }

        var now = sim.Now;
        var sub = PairwiseSubject(client.ClientId, grant.Person);
        var accessToken = RandomToken(32);
        sim.Store.AddAccessToken(accessToken, new AccessTokenGrant(client.ClientId, sub, grant.Person.Pid, now.AddSeconds(AccessTokenSeconds)));
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
            ["acr"] = grant.Acr,
            ["amr"] = new[] { grant.Person.IsEidas ? "eIDAS" : "TestID" },
            ["auth_time"] = grant.AuthTime.ToUnixTimeSeconds(),
            ["nonce"] = grant.Nonce,
            ["sid"] = grant.Sid,
            ["locale"] = grant.Locale,
            ["jti"] = RandomToken(16),
            ["at_hash"] = Base64Url.EncodeToString(accessTokenHash.AsSpan(0, accessTokenHash.Length / 2)),
        };
        // A person from abroad has no pid, but the eIDAS attributes (docs.digdir.no/docs/idporten/oidc/oidc_func_eidas).
        if (grant.Person.Pid is { } pid)
        {
            claims["pid"] = pid;
        }

        if (grant.Person.Eidas is { } eidas)
        {
            claims[EidasClaims.Identifier] = eidas.Identifier;
            claims[EidasClaims.FirstName] = eidas.FirstName;
            claims[EidasClaims.LastName] = eidas.LastName;
            claims[EidasClaims.DateOfBirth] = eidas.DateOfBirth;
        }

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

        var body = new Dictionary<string, string> { ["sub"] = grant.Sub };
        if (grant.Pid is not null)
        {
            body["pid"] = grant.Pid;
        }

        return JsonNoStore(http, body);
    }
}
