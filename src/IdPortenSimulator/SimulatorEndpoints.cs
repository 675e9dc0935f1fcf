using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Extensions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Educloud.IdPortenSimulator;

/// <summary>
/// The simulator's endpoints for one path prefix; each request gets a <see cref="Sim"/> with its
/// issuer. What ID-porten does is described where the simulator does it, with the page of
/// ID-porten's documentation (docs.digdir.no/docs/idporten/oidc/...) that says so.
/// </summary>
internal sealed partial class SimulatorEndpoints(string prefix)
{
    public static readonly string[] Locales = ["nb", "nn", "en", "se"];
    public static readonly string[] Scopes = ["openid", "profile"];

    // ID-porten's access tokens live 120 s by default.
    private const int AccessTokenSeconds = 120;

    // Our own options: the host's JSON options (camelCase and so on) must not rename protocol fields.
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.General);

    private sealed record Sim(
        HttpContext Http,
        string Issuer,
        string BasePath,
        IdPortenSimulatorOptions Options,
        IdPortenSimulatorFaults Faults,
        SimulatorStore Store,
        SimulatorSigningKey Key,
        ClientKeys ClientKeys,
        BackChannelLogout BackChannel)
    {
        public DateTimeOffset Now => Store.Now;

        /// <summary>An endpoint's absolute URL: the issuer without its trailing slash, if any, plus the path.</summary>
        public string Endpoint(string path) => Issuer.TrimEnd('/') + path;
    }

    private Sim Begin(HttpContext http)
    {
        var services = http.RequestServices;
        var request = http.Request;
        var basePath = request.PathBase.Add(prefix);
        var options = services.GetRequiredService<IOptionsMonitor<IdPortenSimulatorOptions>>().CurrentValue;
        var issuer = UriHelper.BuildAbsolute(request.Scheme, request.Host, basePath);
        return new Sim(
            http,
            options.IssuerWithTrailingSlash ? issuer + "/" : issuer,
            basePath.ToUriComponent(),
            options,
            services.GetRequiredService<IdPortenSimulatorFaults>(),
            services.GetRequiredService<SimulatorStore>(),
            services.GetRequiredService<SimulatorSigningKey>(),
            services.GetRequiredService<ClientKeys>(),
            services.GetRequiredService<BackChannelLogout>());
    }

    public IResult Discovery(HttpContext http)
    {
        var sim = Begin(http);
        return Results.Json(
            new Dictionary<string, object>
            {
                ["issuer"] = sim.Issuer,
                ["authorization_endpoint"] = sim.Endpoint("/authorize"),
                ["pushed_authorization_request_endpoint"] = sim.Endpoint("/par"),
                ["require_pushed_authorization_requests"] = sim.Options.RequirePushedAuthorizationRequests,
                ["token_endpoint"] = sim.Endpoint("/token"),
                ["jwks_uri"] = sim.Endpoint("/jwks"),
                ["userinfo_endpoint"] = sim.Endpoint("/userinfo"),
                ["end_session_endpoint"] = sim.Endpoint("/endsession"),
                ["response_types_supported"] = new[] { "code" },
                ["response_modes_supported"] = new[] { "query" },
                ["grant_types_supported"] = new[] { "authorization_code" },
                ["subject_types_supported"] = new[] { "pairwise" },
                ["id_token_signing_alg_values_supported"] = new[] { "RS256" },
                ["code_challenge_methods_supported"] = new[] { "S256" },
                ["token_endpoint_auth_methods_supported"] = ClientAuthMethods,
                ["token_endpoint_auth_signing_alg_values_supported"] = AssertionAlgorithms,
                ["scopes_supported"] = Scopes,
                ["acr_values_supported"] = Levels.All,
                ["ui_locales_supported"] = Locales,
                ["prompt_values_supported"] = new[] { "none", "login" },
                ["claims_supported"] = new[]
                {
                    "iss", "aud", "sub", "pid", "acr", "amr", "auth_time", "iat", "exp", "nonce", "sid", "locale", "jti", "at_hash",
                    EidasClaims.Identifier, EidasClaims.FirstName, EidasClaims.LastName, EidasClaims.DateOfBirth,
                },
                ["authorization_response_iss_parameter_supported"] = true,
                ["frontchannel_logout_supported"] = true,
                ["frontchannel_logout_session_supported"] = true,
                ["backchannel_logout_supported"] = true,
                ["backchannel_logout_session_supported"] = true,
                ["request_parameter_supported"] = false,
                ["request_uri_parameter_supported"] = false,
            },
            Json);
    }

    public IResult Jwks(HttpContext http) =>
        Results.Json(new { keys = new[] { Begin(http).Key.PublicJwk } }, Json);

    private static string RandomToken(int bytes) => Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(bytes));

    private static string Sha256Base64Url(string value) => Base64Url.EncodeToString(SHA256.HashData(Encoding.UTF8.GetBytes(value)));

    /// <summary>ID-porten's sub is pairwise: one value per person and client.</summary>
    internal static string PairwiseSubject(string clientId, LoggedInPerson person) => Sha256Base64Url(clientId + person.Key);

    private static bool FixedTimeEquals(string a, string b) =>
        CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(a)), SHA256.HashData(Encoding.UTF8.GetBytes(b)));

    private static IResult JsonNoStore(HttpContext http, object body, int statusCode = StatusCodes.Status200OK)
    {
        http.Response.Headers.CacheControl = "no-store";
        http.Response.Headers.Pragma = "no-cache";
        return Results.Json(body, Json, statusCode: statusCode);
    }

    private static IResult JsonError(HttpContext http, int statusCode, string error, string description) =>
        JsonNoStore(http, new Dictionary<string, string> { ["error"] = error, ["error_description"] = description }, statusCode);
}

/// <summary>The eIDAS claims in ID-porten's id_token for a person from abroad (docs.digdir.no/docs/idporten/oidc/oidc_func_eidas).</summary>
internal static class EidasClaims
{
    public const string Identifier = "eidas_identifier";
    public const string FirstName = "eidas_firstname";
    public const string LastName = "eidas_lastname";
    public const string DateOfBirth = "eidas_date_of_birth";
}
