using System.Buffers.Text;
using System.Security.Cryptography;
using Microsoft.IdentityModel.Tokens;

namespace Educloud.IdPortenSimulator;

/// <summary>
/// The id_token signing key. Made once per process: a simulator has no keys worth keeping, and
/// relying parties fetch /jwks again when they meet an unknown kid. Shared by every host in the
/// process because making an RSA key takes up to a second, which test suites feel.
/// </summary>
internal sealed class SimulatorSigningKey
{
    private static readonly Lazy<SimulatorSigningKey> Instance = new(() => new SimulatorSigningKey());

    private SimulatorSigningKey()
    {
        var rsa = RSA.Create(2048);
        Key = new RsaSecurityKey(rsa) { KeyId = Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(12)) };
        Credentials = new SigningCredentials(Key, SecurityAlgorithms.RsaSha256);
        var parameters = rsa.ExportParameters(includePrivateParameters: false);
        PublicJwk = new Dictionary<string, string>
        {
            ["kty"] = "RSA",
            ["use"] = "sig",
            ["alg"] = "RS256",
            ["kid"] = Key.KeyId,
            ["n"] = Base64Url.EncodeToString(parameters.Modulus),
            ["e"] = Base64Url.EncodeToString(parameters.Exponent),
        };
    }

    public RsaSecurityKey Key { get; }

    public SigningCredentials Credentials { get; }

    public IReadOnlyDictionary<string, string> PublicJwk { get; }

    public static SimulatorSigningKey Shared => Instance.Value;
}
