using System.Collections.Concurrent;
using System.Security.Cryptography;
using Microsoft.IdentityModel.Tokens;

namespace Educloud.IdPortenSimulator;

/// <summary>Parsed client public keys for private_key_jwt, kept for the life of the process.</summary>
internal sealed class ClientKeys
{
    private readonly ConcurrentDictionary<string, SecurityKey?> keys = new(StringComparer.Ordinal);

    public SecurityKey? Get(string pem) => keys.GetOrAdd(pem, Parse);

    /// <summary>An RSA or EC key from PEM, or null when the PEM holds neither.</summary>
    public static SecurityKey? Parse(string pem)
    {
        var rsa = RSA.Create();
        try
        {
            rsa.ImportFromPem(pem);
            return new RsaSecurityKey(rsa);
        }
        catch (Exception e) when (e is ArgumentException or CryptographicException)
        {
            rsa.Dispose();
        }

        var ecdsa = ECDsa.Create();
        try
        {
            ecdsa.ImportFromPem(pem);
            return new ECDsaSecurityKey(ecdsa);
        }
        catch (Exception e) when (e is ArgumentException or CryptographicException)
        {
            ecdsa.Dispose();
            return null;
        }
    }
}
