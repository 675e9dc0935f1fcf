using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Extensions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Educloud.IdPortenSimulator;

/// <summary>The simulator's endpoints for one path prefix; each request gets a <see cref="Sim"/> with its issuer.</summary>
internal sealed partial class SimulatorEndpoints(string prefix)
{
    public const string Substantial = "idporten-loa-substantial";
    public const string High = "idporten-loa-high";
    public static readonly string[] AcrValues = [Substantial, High];
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
        ClientKeys ClientKeys)
    {
        public DateTimeOffset Now => Store.Now;
    }

    private Sim Begin(HttpContext http)
    {
        var services = http.RequestServices;
        var request = http.Request;
        var basePath = request.PathBase.Add(prefix);
        return new Sim(
            http,
            UriHelper.BuildAbsolute(request.Scheme, request.Host, basePath),
            basePath.ToUriComponent(),
            services.GetRequiredService<IOptionsMonitor<IdPortenSimulatorOptions>>().CurrentValue,
            services.GetRequiredService<IdPortenSimulatorFaults>(),
            services.GetRequiredService<SimulatorStore>(),
            services.GetRequiredService<SimulatorSigningKey>(),
            services.GetRequiredService<ClientKeys>());
    }

    public IResult Discovery(HttpContext http)
    {
        var issuer = Begin(http).Issuer;
        return Results.Json(
            new Dictionary<string, object>
            {
                ["issuer"] = issuer,
                ["authorization_endpoint"] = issuer + "/authorize",
                ["token_endpoint"] = issuer + "/token",
                ["jwks_uri"] = issuer + "/jwks",
                ["userinfo_endpoint"] = issuer + "/userinfo",
                ["end_session_endpoint"] = issuer + "/endsession",
                ["response_types_supported"] = new[] { "code" },
                ["response_modes_supported"] = new[] { "query" },
                ["grant_types_supported"] = new[] { "authorization_code" },
                ["subject_types_supported"] = new[] { "pairwise" },
                ["id_token_signing_alg_values_supported"] = new[] { "RS256" },
                ["code_challenge_methods_supported"] = new[] { "S256" },
                ["token_endpoint_auth_methods_supported"] = new[] { "client_secret_basic", "client_secret_post", "private_key_jwt" },
                ["token_endpoint_auth_signing_alg_values_supported"] = new[] { "RS256", "ES256" },
                ["scopes_supported"] = Scopes,
                ["acr_values_supported"] = AcrValues,
                ["ui_locales_supported"] = Locales,
                ["claims_supported"] = new[] { "iss", "aud", "sub", "pid", "acr", "amr", "auth_time", "iat", "exp", "nonce", "sid", "locale", "jti", "at_hash" },
                ["authorization_response_iss_parameter_supported"] = true,
                ["frontchannel_logout_supported"] = true,
                ["frontchannel_logout_session_supported"] = true,
                ["request_parameter_supported"] = false,
                ["request_uri_parameter_supported"] = false,
            },
            Json);
    }

    public IResult Jwks(HttpContext http) =>
        Results.Json(new { keys = new[] { Begin(http).Key.PublicJwk } }, Json);

    private static string RandomToken(int bytes) => Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(bytes));

    private static string Sha256Base64Url(string value) => Base64Url.EncodeToString(SHA256.HashData(Encoding.UTF8.GetBytes(value)));

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
