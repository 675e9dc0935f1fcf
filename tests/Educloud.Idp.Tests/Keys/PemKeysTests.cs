using System.Net;
using System.Security.Cryptography;
using Educloud.Idp.Keys;
using Educloud.Idp.Tests.Infrastructure;
using Microsoft.IdentityModel.Tokens;

namespace Educloud.Idp.Tests.Keys;

/// <summary>
/// One loader for every PEM private key (Keys:SigningKeyPaths, IdPorten:PrivateKeyPath): RSA in
/// PKCS#1 or PKCS#8 signs RS256, EC P-256 in SEC1 or PKCS#8 signs ES256, anything else is refused
/// with the setting's name. Keys are made at test time, in process and with openssl as an operator would.
/// </summary>
public sealed class PemKeysTests : IDisposable
{
    private const string Setting = "IdPorten:PrivateKeyPath";
    private readonly string folder = Directory.CreateTempSubdirectory("educloud-pem-").FullName;

    public static TheoryData<string, string> OpensslKeys => new()
    {
        // openssl genpkey writes PKCS#8 ("PRIVATE KEY"); genrsa -traditional PKCS#1; ecparam SEC1 with an "EC PARAMETERS" block.
        { "genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048", SecurityAlgorithms.RsaSha256 },
        { "genrsa -traditional 2048", SecurityAlgorithms.RsaSha256 },
        { "genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256", SecurityAlgorithms.EcdsaSha256 },
        { "ecparam -name prime256v1 -genkey", SecurityAlgorithms.EcdsaSha256 },
        { "ecparam -name prime256v1 -genkey -noout", SecurityAlgorithms.EcdsaSha256 },
    };

    public static TheoryData<string, string> InProcessKeys => new()
    {
        { RSA.Create(2048).ExportRSAPrivateKeyPem(), SecurityAlgorithms.RsaSha256 },
        { RSA.Create(3072).ExportPkcs8PrivateKeyPem(), SecurityAlgorithms.RsaSha256 },
        { ECDsa.Create(ECCurve.NamedCurves.nistP256).ExportECPrivateKeyPem(), SecurityAlgorithms.EcdsaSha256 },
        { ECDsa.Create(ECCurve.NamedCurves.nistP256).ExportPkcs8PrivateKeyPem(), SecurityAlgorithms.EcdsaSha256 },
    };

    public static TheoryData<string, string> RefusedKeys => new()
    {
        { "garbage, not a key at all\n", "is not a PEM file" },
        { ECDsa.Create(ECCurve.NamedCurves.nistP256).ExportSubjectPublicKeyInfoPem(), "public key, not a private key" },
        { RSA.Create(2048).ExportRSAPublicKeyPem(), "public key, not a private key" },
        { RSA.Create(1024).ExportPkcs8PrivateKeyPem(), "at least 2048 bits" },
        { ECDsa.Create(ECCurve.NamedCurves.nistP384).ExportECPrivateKeyPem(), "P-256" },
        { ECDsa.Create(ECCurve.NamedCurves.nistP384).ExportPkcs8PrivateKeyPem(), "P-256" },
        { "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n", "neither RSA nor EC" },
        { ECDsa.Create(ECCurve.NamedCurves.nistP256).ExportEncryptedPkcs8PrivateKeyPem("pw", new PbeParameters(PbeEncryptionAlgorithm.Aes256Cbc, HashAlgorithmName.SHA256, 1000)), "encrypted" },
        { RSA.Create(2048).ExportRSAPrivateKeyPem() + "\n" + ECDsa.Create(ECCurve.NamedCurves.nistP256).ExportECPrivateKeyPem(), "expected one private key" },
    };

    [Theory]
    [MemberData(nameof(OpensslKeys))]
    public void KeyMadeWithOpenssl_LoadsWithItsAlgorithm(string command, string algorithm)
    {
        var path = Openssl(command);

        var key = PemKeys.Load(path, Setting);

        PemKeys.SigningAlgorithm(key).Should().Be(algorithm);
        key.PrivateKeyStatus.Should().NotBe(PrivateKeyStatus.DoesNotExist);
        SignsAndVerifies(key).Should().BeTrue();
    }

    [Theory]
    [MemberData(nameof(InProcessKeys))]
    public void KeyExportedInProcess_LoadsWithItsAlgorithm(string pem, string algorithm)
    {
        var key = PemKeys.Load(Write(pem), Setting);

        PemKeys.SigningAlgorithm(key).Should().Be(algorithm);
        SignsAndVerifies(key).Should().BeTrue();
    }

    [Theory]
    [MemberData(nameof(RefusedKeys))]
    public void NotAnAcceptedPrivateKey_IsRefusedNamingTheSetting(string pem, string reason)
    {
        var path = Write(pem);

        var load = () => PemKeys.Load(path, Setting);

        var refusal = load.Should().Throw<InvalidOperationException>().Which;
        refusal.Message.Should().StartWith($"{Setting}: '{path}' ").And.Contain(reason);
        refusal.InnerException.Should().BeNull();
    }

    [Fact]
    public void Ed25519KeyFromOpenssl_IsRefusedNamingTheSetting()
    {
        var path = Openssl("genpkey -algorithm ed25519");

        var load = () => PemKeys.Load(path, Setting);

        load.Should().Throw<InvalidOperationException>().WithMessage($"{Setting}: *neither RSA nor EC*");
    }

    [Fact]
    public void MissingFile_IsRefusedNamingTheSetting()
    {
        var load = () => PemKeys.Load(Path.Combine(folder, "absent.pem"), "Keys:SigningKeyPaths");

        load.Should().Throw<InvalidOperationException>().WithMessage("Keys:SigningKeyPaths: *cannot be read*");
    }

    /// <summary>
    /// An RSA key as `openssl genpkey` writes it (PKCS#8) used to stop the IdP at start with a
    /// CryptographicException: the client key was tried as EC first. Now it signs the
    /// private_key_jwt assertion (RS256) that the simulator checks at its token endpoint.
    /// </summary>
    [Fact]
    public async Task Pkcs8RsaKeyFromOpenssl_AsIdPortenClientKey_LogsIn()
    {
        var path = Openssl("genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048");
        using var idp = new IdpHost(new Dictionary<string, string?>
        {
            ["IdPorten:PrivateKeyPath"] = path,
            ["IdPorten:PrivateKeyId"] = "educloud-test",
            // No secret: the key is the only way the IdP can prove itself.
            ["IdPorten:ClientSecret"] = "",
        });
        var browser = idp.NewBrowser();

        var page = await Flows.ThroughIdPortenAsync(browser, IdpHost.Origin + "/account/login", Flows.NewPid());

        page.Status.Should().Be(HttpStatusCode.OK, page.Body);
        page.Address.AbsolutePath.Should().Be("/account/enroll");
    }

    [Fact]
    public void IdP_WithAPublicKeyAsIdPortenClientKey_RefusesToStartNamingTheSetting()
    {
        var path = Write(RSA.Create(2048).ExportSubjectPublicKeyInfoPem());
        using var idp = new IdpHost(new Dictionary<string, string?> { ["IdPorten:PrivateKeyPath"] = path });

        var start = () => idp.Server;

        start.Should().Throw<Exception>().Which.ToString().Should().Contain($"{Setting}: '{path}' holds a public key, not a private key.");
    }

    public void Dispose() => Directory.Delete(folder, recursive: true);

    private static bool SignsAndVerifies(AsymmetricSecurityKey key)
    {
        var data = "payload"u8.ToArray();
        var provider = key.CryptoProviderFactory.CreateForSigning(key, PemKeys.SigningAlgorithm(key));
        var signature = provider.Sign(data);
        return key.CryptoProviderFactory.CreateForVerifying(key, PemKeys.SigningAlgorithm(key)).Verify(data, signature);
    }

    private string Write(string pem)
    {
        var path = Path.Combine(folder, Guid.NewGuid().ToString("N") + ".pem");
        File.WriteAllText(path, pem);
        return path;
    }

    private string Openssl(string command) => Keys.Openssl.NewKey(folder, command);
}
