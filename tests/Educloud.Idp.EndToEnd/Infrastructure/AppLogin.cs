using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Educloud.Idp.EndToEnd.Infrastructure;

/// <summary>
/// One login of a research app at the IdP, done the way a confidential web app does it: an
/// authorization request with PKCE (S256), state and nonce; the code from its callback redeemed with
/// client_secret_basic; the id_token checked against the IdP's JWKS (signature, iss, aud, lifetime, nonce).
/// </summary>
public sealed class AppLogin(IdpProcess idp, string clientId, string secret, Uri redirectUri)
{
    private readonly string verifier = Random(32);

    public AppLogin(IdpProcess idp, RegisteredApp app)
        : this(idp, app.ClientId, app.Secret, app.RedirectUri)
    {
    }

    public string State { get; } = Random(16);

    public string Nonce { get; } = Random(16);

    /// <summary>The authorization request the app sends the browser to (<paramref name="extra"/>: prompt, max_age, ...).</summary>
    public string AuthorizeUrl(IDictionary<string, string?>? extra = null)
    {
        var parameters = new Dictionary<string, string?>
        {
            ["client_id"] = clientId,
            ["redirect_uri"] = redirectUri.AbsoluteUri,
            ["response_type"] = "code",
            ["scope"] = "openid profile",
            ["state"] = State,
            ["nonce"] = Nonce,
            ["code_challenge"] = Base64UrlEncoder.Encode(SHA256.HashData(Encoding.ASCII.GetBytes(verifier))),
            ["code_challenge_method"] = "S256",
        };
        foreach (var (name, value) in extra ?? new Dictionary<string, string?>())
        {
            parameters[name] = value;
        }

        return QueryHelpers.AddQueryString(idp.Url("/connect/authorize").AbsoluteUri, parameters);
    }

    /// <summary>
    /// What the app does with its callback: state and iss (RFC 9207) checked, the code redeemed, the
    /// id_token validated. Returns the token response and the id_token's claims.
    /// </summary>
    public async Task<(JsonElement Tokens, IDictionary<string, object> IdToken)> RedeemAsync(IQueryCollection callback)
    {
        callback.Should().NotContainKey("error", "the app expected a code: {0}", string.Join('&', callback.Select(q => $"{q.Key}={q.Value}")));
        callback["state"].ToString().Should().Be(State);
        callback["iss"].ToString().Should().Be(idp.BaseUri.AbsoluteUri, "RFC 9207: the authorization response names its issuer");
        var code = callback["code"].ToString();
        code.Should().NotBeNullOrEmpty();

        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, idp.Url("/connect/token"))
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["grant_type"] = "authorization_code",
                ["code"] = code,
                ["redirect_uri"] = redirectUri.AbsoluteUri,
                ["code_verifier"] = verifier,
            }),
        };
        // client_secret_basic: both parts form-urlencoded before base64 (RFC 6749 2.3.1).
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(
            $"{WebUtility.UrlEncode(clientId)}:{WebUtility.UrlEncode(secret)}")));
        using var response = await http.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        response.StatusCode.Should().Be(HttpStatusCode.OK, body);
        var tokens = JsonDocument.Parse(body).RootElement.Clone();
        tokens.GetProperty("token_type").GetString().Should().Be("Bearer");
        tokens.GetProperty("access_token").GetString().Should().NotBeNullOrEmpty();

        var validated = await ValidateIdTokenAsync(http, tokens.GetProperty("id_token").GetString()!);
        validated.IsValid.Should().BeTrue(validated.Exception?.Message);
        validated.Claims["nonce"].Should().Be(Nonce);
        validated.Claims["sub"].Should().BeOfType<string>().Which.Should().NotBeEmpty();
        return (tokens, validated.Claims);
    }

    /// <summary>The app's logout (RP-initiated, OIDC RP-Initiated Logout 1.0): back to its post-logout redirect URI with <paramref name="state"/>.</summary>
    public string EndSessionUrl(JsonElement tokens, Uri postLogoutRedirectUri, string state) =>
        QueryHelpers.AddQueryString(idp.Url("/connect/endsession").AbsoluteUri, new Dictionary<string, string?>
        {
            ["id_token_hint"] = tokens.GetProperty("id_token").GetString(),
            ["post_logout_redirect_uri"] = postLogoutRedirectUri.AbsoluteUri,
            ["state"] = state,
        });

    private async Task<TokenValidationResult> ValidateIdTokenAsync(HttpClient http, string idToken)
    {
        using var discovery = JsonDocument.Parse(await http.GetStringAsync(idp.Url("/.well-known/openid-configuration")));
        var jwks = new JsonWebKeySet(await http.GetStringAsync(discovery.RootElement.GetProperty("jwks_uri").GetString()));
        return await new JsonWebTokenHandler().ValidateTokenAsync(idToken, new TokenValidationParameters
        {
            ValidIssuer = idp.BaseUri.AbsoluteUri,
            ValidAudience = clientId,
            IssuerSigningKeys = jwks.GetSigningKeys(),
        });
    }

    private static string Random(int bytes) => Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(bytes));
}
