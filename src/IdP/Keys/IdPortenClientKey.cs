using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Educloud.Idp.Settings;
using Microsoft.IdentityModel.Tokens;

namespace Educloud.Idp.Keys;

/// <summary>
/// The IdP's key for private_key_jwt at ID-porten (RFC 7523 client assertions, Digdir's
/// recommended client authentication): loaded from IdPorten:PrivateKeyPath at start, and made by
/// the <c>new-idporten-key</c> command (<see cref="IdPortenKeyCommand"/>). Digdir accepts RSA keys
/// only (RS256) and matches the assertion's kid to the registered key, so an EC key or a missing
/// IdPorten:PrivateKeyId stops the start with a message naming the setting.
/// </summary>
public static class IdPortenClientKey
{
    public const string PathSetting = "IdPorten:PrivateKeyPath";
    public const string KeyIdSetting = "IdPorten:PrivateKeyId";

    /// <summary>The key in <paramref name="path"/> with <paramref name="keyId"/> as its kid; refused (naming the setting) unless RSA and with a kid.</summary>
    public static RsaSecurityKey Load(string path, string? keyId)
    {
        var key = PemKeys.Load(path, PathSetting);
        if (key is not RsaSecurityKey rsa)
        {
            throw new SettingsException($"{PathSetting}: '{path}' holds an EC key; Digdir accepts RSA keys only (RS256) for private_key_jwt. " +
                "Make one with `Educloud.Idp new-idporten-key <path>` and register its public key at Digdir.");
        }

        if (string.IsNullOrWhiteSpace(keyId))
        {
            throw new SettingsException($"{KeyIdSetting} is required with {PathSetting}: the kid of the key as registered at Digdir " +
                "(new-idporten-key prints it; ID-porten refuses client assertions without it).");
        }

        rsa.KeyId = keyId.Trim();
        return rsa;
    }

    /// <summary>
    /// The public JWK of <paramref name="rsa"/> to register at Digdir, in RFC 7638's member order,
    /// with its RFC 7638 thumbprint as kid, and alg RS256, use sig.
    /// </summary>
    public static (string KeyId, string Json) PublicJwk(RSA rsa)
    {
        var parameters = rsa.ExportParameters(includePrivateParameters: false);
        var e = Base64Url.EncodeToString(parameters.Exponent);
        var n = Base64Url.EncodeToString(parameters.Modulus);
        // RFC 7638 3.2: the required members only, in lexicographic order, no whitespace.
        var canonical = $"{{\"e\":\"{e}\",\"kty\":\"RSA\",\"n\":\"{n}\"}}";
        var kid = Base64Url.EncodeToString(SHA256.HashData(Encoding.UTF8.GetBytes(canonical)));
        var json = JsonSerializer.Serialize(new Dictionary<string, string>
        {
            ["kty"] = "RSA",
            ["e"] = e,
            ["n"] = n,
            ["kid"] = kid,
            ["alg"] = SecurityAlgorithms.RsaSha256,
            ["use"] = "sig",
        }, new JsonSerializerOptions { WriteIndented = true });
        return (kid, json);
    }
}
