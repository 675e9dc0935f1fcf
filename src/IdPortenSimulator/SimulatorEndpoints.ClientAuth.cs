using System.Net;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Educloud.IdPortenSimulator;

/// <summary>
/// Client authentication at /token and /par, as ID-porten does it
/// (docs.digdir.no/docs/idporten/oidc/oidc_protocol_token, oidc_protocol_par: the same methods at both):
/// client_secret_basic, client_secret_post, or private_key_jwt (RFC 7523) with these rules:
/// <list type="bullet">
/// <item>RS256 only: Digdir registers RSA keys only (an EC key is refused when the client is registered, see <see cref="ClientKeys"/>).</item>
/// <item>kid in the header, naming the key the client registered (<see cref="SimulatedClient.KeyId"/>).</item>
/// <item>iss = sub = client_id.</item>
/// <item>aud = ID-porten's issuer as discovery gives it. The same issuer with or without one trailing
///   slash is taken too: ID-porten's issuer ("https://test.idporten.no") has no path, and URI libraries
///   (.NET's Uri.AbsoluteUri, Java's URI) write such an issuer with a '/'. The token or PAR endpoint's URL is
///   not accepted (RFC 7523 3 leaves the value to the server; ID-porten's page asks for the issuer).</item>
/// <item>exp and iat required, exp at most 120 s after iat (a client assertion is made for one request),
///   30 s of clock skew; jti required and used once per client (replay refused).</item>
/// </list>
/// </summary>
internal sealed partial class SimulatorEndpoints
{
    private const string JwtBearerAssertion = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

    private static readonly string[] ClientAuthMethods = ["client_secret_basic", "client_secret_post", "private_key_jwt"];

    private static readonly string[] AssertionAlgorithms = [SecurityAlgorithms.RsaSha256];

    /// <summary>Longest exp - iat accepted in a client assertion.</summary>
    private static readonly TimeSpan MaxAssertionLifetime = TimeSpan.FromSeconds(120);

    // Client clocks drift; ID-porten tolerates a little too.
    private static readonly TimeSpan AssertionClockSkew = TimeSpan.FromSeconds(30);

    /// <summary>
    /// The form of a back-channel request (/par, /token) and the client it authenticates; on any
    /// problem the JSON error to answer with instead (RFC 6749 5.2, RFC 9126 2.3).
    /// </summary>
    private async Task<(Sim Sim, RequestParameters Parameters, SimulatedClient Client, IResult? Refused)> AuthenticatedFormAsync(HttpContext http)
    {
        var sim = Begin(http);
        var p = await RequestParameters.FromFormAsync(http.Request);
        if (p is null)
        {
            return (sim, null!, null!, JsonError(http, 400, "invalid_request", "The body must be an application/x-www-form-urlencoded form."));
        }

        if (p.Problem is { } problem)
        {
            return (sim, p, null!, JsonError(http, 400, "invalid_request", problem));
        }

        var (client, authError) = await AuthenticateClient(sim, p);
        return (sim, p, client!, authError);
    }

    /// <summary>Exactly one of client_secret_basic, client_secret_post or private_key_jwt (RFC 6749 2.3).</summary>
    private static async Task<(SimulatedClient? Client, IResult? Error)> AuthenticateClient(Sim sim, RequestParameters p)
    {
        var http = sim.Http;
        IResult Unauthorized(string description)
        {
            // The reason in the log too: a relying party under test often shows only "rejected".
            LogClientRefused(http.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger<SimulatorEndpoints>(), http.Request.Path, description);
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

        var unverified = ReadUnverified(assertion);
        if (unverified is null)
        {
            return (null, unauthorized("The client assertion is not a JWT."));
        }

        // client_id is optional beside an assertion (RFC 7523 3); then the assertion names the client.
        var clientId = p["client_id"] ?? unverified.Issuer;
        var client = sim.Options.FindClient(clientId);
        if (client?.PublicKeyPem is null || sim.ClientKeys.Get(client.PublicKeyPem) is not { } key)
        {
            return (null, unauthorized("Client authentication failed."));
        }

        if (unverified.Alg != SecurityAlgorithms.RsaSha256)
        {
            return (null, unauthorized("The client assertion must be signed with RS256."));
        }

        if (string.IsNullOrEmpty(unverified.Kid) || !string.Equals(unverified.Kid, client.KeyId, StringComparison.Ordinal))
        {
            return (null, unauthorized("The client assertion's header has no kid, or one that is not registered for this client."));
        }

        var result = await TokenHandler.ValidateTokenAsync(assertion, new TokenValidationParameters
        {
            IssuerSigningKey = key,
            ValidIssuer = client.ClientId,
            ValidAudiences = AcceptedAudiences(sim.Issuer),
            ValidAlgorithms = AssertionAlgorithms,
            // Lifetime is checked below against the injected TimeProvider.
            ValidateLifetime = false,
        });
        if (!result.IsValid || result.SecurityToken is not JsonWebToken jwt || jwt.Subject != client.ClientId)
        {
            return (null, unauthorized("The client assertion is not valid for this client (signature, iss, sub or aud)."));
        }

        var now = sim.Now;
        var expires = ClaimTime(jwt, JwtRegisteredClaimNames.Exp);
        var issuedAt = ClaimTime(jwt, JwtRegisteredClaimNames.Iat);
        var notBefore = ClaimTime(jwt, JwtRegisteredClaimNames.Nbf);
        if (expires is null || issuedAt is null || expires.Value + AssertionClockSkew <= now ||
            issuedAt > now + AssertionClockSkew || notBefore > now + AssertionClockSkew)
        {
            return (null, unauthorized("The client assertion has expired, is not yet valid, or lacks exp or iat."));
        }

        if (expires.Value - issuedAt.Value > MaxAssertionLifetime)
        {
            return (null, unauthorized($"The client assertion lives longer than {MaxAssertionLifetime.TotalSeconds} s (exp - iat)."));
        }

        if (string.IsNullOrEmpty(jwt.Id) || !sim.Store.TryUseAssertionId(client.ClientId, jwt.Id, expires.Value + AssertionClockSkew))
        {
            return (null, unauthorized("The client assertion has no jti, or was used before."));
        }

        return (client, null);
    }

    [LoggerMessage(EventId = 9504, Level = LogLevel.Warning, Message = "Client authentication at {Path} refused: {Reason}")]
    private static partial void LogClientRefused(ILogger logger, string path, string reason);

    private static string[] AcceptedAudiences(string issuer)
    {
        var bare = issuer.TrimEnd('/');
        return [bare, bare + "/"];
    }

    private static DateTimeOffset? ClaimTime(JsonWebToken jwt, string claim) =>
        jwt.TryGetPayloadValue<long>(claim, out var seconds) ? DateTimeOffset.FromUnixTimeSeconds(seconds) : null;

    private static JsonWebToken? ReadUnverified(string assertion)
    {
        try
        {
            return TokenHandler.CanReadToken(assertion) ? TokenHandler.ReadJsonWebToken(assertion) : null;
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
}
