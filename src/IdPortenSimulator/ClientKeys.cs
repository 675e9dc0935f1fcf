using System.Collections.Concurrent;
using System.Security.Cryptography;
using Microsoft.IdentityModel.Tokens;

namespace Educloud.IdPortenSimulator;

/// <summary>Parsed client public keys for private_key_jwt, kept for the life of the process.</summary>
internal sealed class ClientKeys
{
    private const int MinRsaBits = 2048;

    private readonly ConcurrentDictionary<string, RsaSecurityKey?> keys = new(StringComparer.Ordinal);

    public RsaSecurityKey? Get(string pem) => keys.GetOrAdd(pem, p => Parse(p, out _));

    /// <summary>
    /// An RSA public key of at least 2048 bits from PEM, or null with the reason. EC keys are
    /// refused by name: Digdir registers RSA keys only (RS256), so a client that registered an EC
    /// key here would pass the simulator and then fail at ID-porten.
    /// </summary>
    public static RsaSecurityKey? Parse(string pem, out string? problem)
    {
        var rsa = RSA.Create();
        try
        {
            rsa.ImportFromPem(pem);
            if (rsa.KeySize is var bits && bits < MinRsaBits)
            {
                rsa.Dispose();
                problem = $"is an RSA key of {bits} bits; at least {MinRsaBits} are required.";
                return null;
            }

            problem = null;
            return new RsaSecurityKey(rsa);
        }
        catch (Exception e) when (e is ArgumentException or CryptographicException)
        {
            rsa.Dispose();
        }

        using var ecdsa = ECDsa.Create();
        try
        {
            ecdsa.ImportFromPem(pem);
            problem = "is an EC key; ID-porten (Digdir) registers RSA keys only and verifies client assertions with RS256.";
        }
        catch (Exception e) when (e is ArgumentException or CryptographicException)
        {
            problem = "is not an RSA public key in PEM.";
        }

        return null;
    }
}
