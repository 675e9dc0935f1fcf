using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Educloud.Idp.Tests.Federation;

/// <summary>
/// Changes the claims of ID-porten's (the simulator's) id_token on its way to the IdP, for what the
/// simulator does not say (no pid, no sid): the token is signed again with a key of this test, which
/// the simulator's JWKS also lists on its way. Used as <c>IdpHost.UpstreamRewriter</c>, set before
/// the host's first call to ID-porten (the IdP caches the keys).
/// </summary>
public sealed class ResignedIdTokens(Action<JsonObject> change) : IDisposable
{
    private const string Kid = "resigned-by-test";
    private readonly RSA key = RSA.Create(2048);

    public void Dispose() => key.Dispose();

    public async Task<HttpResponseMessage> RewriteAsync(HttpRequestMessage request, HttpResponseMessage response)
    {
        var path = request.RequestUri!.AbsolutePath;
        var jwks = path.EndsWith("/jwks", StringComparison.Ordinal);
        if (!jwks && !path.EndsWith("/token", StringComparison.Ordinal) || !response.IsSuccessStatusCode)
        {
            return response;
        }

        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject();
        if (jwks)
        {
            var parameters = key.ExportParameters(includePrivateParameters: false);
            body["keys"]!.AsArray().Add(new JsonObject
            {
                ["kty"] = "RSA",
                ["use"] = "sig",
                ["alg"] = "RS256",
                ["kid"] = Kid,
                ["n"] = Base64Url.EncodeToString(parameters.Modulus),
                ["e"] = Base64Url.EncodeToString(parameters.Exponent),
            });
        }
        else
        {
            var idToken = body["id_token"]!.GetValue<string>();
            var claims = JsonNode.Parse(Encoding.UTF8.GetString(Base64Url.DecodeFromChars(idToken.Split('.')[1])))!.AsObject();
            change(claims);
            body["id_token"] = new JsonWebTokenHandler().CreateToken(claims.ToJsonString(),
                new SigningCredentials(new RsaSecurityKey(key) { KeyId = Kid }, SecurityAlgorithms.RsaSha256));
        }

        var rewritten = new HttpResponseMessage(response.StatusCode) { Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json") };
        foreach (var header in response.Headers)
        {
            rewritten.Headers.TryAddWithoutValidation(header.Key, header.Value);
        }

        return rewritten;
    }
}
