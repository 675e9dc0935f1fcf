using System.Security.Cryptography;
using Educloud.Idp.Settings;
using Microsoft.IdentityModel.Tokens;

namespace Educloud.Idp.Keys;

/// <summary>
/// The one place that reads a private key from a PEM file and chooses the algorithm it signs with:
/// the IdP's token signing keys (Keys:SigningKeyPaths) and its private_key_jwt key at ID-porten
/// (IdPorten:PrivateKeyPath). Accepted: RSA of at least 2048 bits (PKCS#1 "RSA PRIVATE KEY" or
/// PKCS#8 "PRIVATE KEY"), signing RS256; EC on P-256 (SEC1 "EC PRIVATE KEY", with or without
/// openssl's "EC PARAMETERS" block, or PKCS#8), signing ES256 (RFC 7518 3.1: ES256 is P-256 only).
/// Anything else is refused with a message that names the setting and says what to do; no
/// cryptographic exception escapes to the operator.
/// </summary>
public static class PemKeys
{
    private const string Pkcs8 = "PRIVATE KEY";
    private const string Pkcs1Rsa = "RSA PRIVATE KEY";
    private const string Sec1Ec = "EC PRIVATE KEY";
    private const string EcParameters = "EC PARAMETERS";
    private const string P256Oid = "1.2.840.10045.3.1.7";
    private const int MinRsaBits = 2048;

    /// <summary>Reads the key in <paramref name="path"/>; <paramref name="setting"/> (e.g. "IdPorten:PrivateKeyPath") names it in every refusal.</summary>
    public static AsymmetricSecurityKey Load(string path, string setting)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Refused(setting, path, $"cannot be read ({e.Message}).");
        }

        return Parse(text, setting, path);
    }

    /// <summary>The JWS algorithm a key loaded here signs with.</summary>
    public static string SigningAlgorithm(SecurityKey key) => key switch
    {
        ECDsaSecurityKey => SecurityAlgorithms.EcdsaSha256,
        RsaSecurityKey => SecurityAlgorithms.RsaSha256,
        _ => throw new ArgumentException($"Not a key from {nameof(PemKeys)}: {key.GetType().Name}.", nameof(key)),
    };

    /// <summary>Signing credentials for a key loaded here, with its algorithm.</summary>
    public static SigningCredentials Credentials(SecurityKey key) => new(key, SigningAlgorithm(key));

    internal static AsymmetricSecurityKey Parse(string text, string setting, string path)
    {
        var blocks = new List<(string Label, byte[] Der)>();
        var rest = text.AsSpan();
        while (PemEncoding.TryFind(rest, out var fields))
        {
            var label = rest[fields.Label].ToString();
            if (label != EcParameters)
            {
                blocks.Add((label, Convert.FromBase64String(rest[fields.Base64Data].ToString())));
            }

            rest = rest[fields.Location.End..];
        }

        if (blocks.Count == 0)
        {
            throw Refused(setting, path, "is not a PEM file; expected an RSA or EC (P-256) private key.");
        }

        if (blocks.Count > 1)
        {
            throw Refused(setting, path, $"holds {blocks.Count} PEM blocks ({string.Join(", ", blocks.Select(b => b.Label))}); expected one private key.");
        }

        var (found, der) = blocks[0];
        return found switch
        {
            Pkcs1Rsa => Rsa(setting, path, rsa => rsa.ImportRSAPrivateKey(der, out _)),
            Sec1Ec => Ec(setting, path, ec => ec.ImportECPrivateKey(der, out _)),
            Pkcs8 => Pkcs8Key(der, setting, path),
            "ENCRYPTED PRIVATE KEY" => throw Refused(setting, path, "holds an encrypted private key; store it unencrypted with tight file permissions (openssl pkey -in key.pem -out plain.pem)."),
            "PUBLIC KEY" or "RSA PUBLIC KEY" or "CERTIFICATE" => throw Refused(setting, path, $"holds a {found.ToLowerInvariant()}, not a private key."),
            _ => throw Refused(setting, path, $"holds a PEM \"{found}\"; expected an RSA or EC (P-256) private key."),
        };
    }

    // PKCS#8 names its algorithm inside; try each kind, the wrong one refuses it.
    private static AsymmetricSecurityKey Pkcs8Key(byte[] der, string setting, string path)
    {
        using (var probe = RSA.Create())
        {
            if (Imports(() => probe.ImportPkcs8PrivateKey(der, out _)))
            {
                return Rsa(setting, path, rsa => rsa.ImportPkcs8PrivateKey(der, out _));
            }
        }

        using (var probe = ECDsa.Create())
        {
            if (Imports(() => probe.ImportPkcs8PrivateKey(der, out _)))
            {
                return Ec(setting, path, ec => ec.ImportPkcs8PrivateKey(der, out _));
            }
        }

        throw Refused(setting, path, "holds a PKCS#8 private key that is neither RSA nor EC (e.g. Ed25519); expected an RSA or EC (P-256) private key.");
    }

    private static RsaSecurityKey Rsa(string setting, string path, Action<RSA> import)
    {
        var rsa = RSA.Create();
        if (!Imports(() => import(rsa)))
        {
            rsa.Dispose();
            throw Refused(setting, path, "holds a damaged RSA private key.");
        }

        if (rsa.KeySize < MinRsaBits)
        {
            rsa.Dispose();
            throw Refused(setting, path, $"must be an RSA key of at least {MinRsaBits} bits.");
        }

        return new RsaSecurityKey(rsa);
    }

    private static ECDsaSecurityKey Ec(string setting, string path, Action<ECDsa> import)
    {
        var ec = ECDsa.Create();
        if (!Imports(() => import(ec)))
        {
            ec.Dispose();
            throw Refused(setting, path, "holds a damaged EC private key.");
        }

        var curve = ec.ExportParameters(includePrivateParameters: false).Curve.Oid;
        if (curve?.Value != P256Oid && curve?.FriendlyName is not ("nistP256" or "ECDSA_P256" or "prime256v1"))
        {
            ec.Dispose();
            throw Refused(setting, path, "must be a P-256 key (ES256).");
        }

        return new ECDsaSecurityKey(ec);
    }

    private static bool Imports(Action import)
    {
        try
        {
            import();
            return true;
        }
        catch (CryptographicException)
        {
            return false;
        }
    }

    private static SettingsException Refused(string setting, string path, string why) => new($"{setting}: '{path}' {why}");
}
