using System.Net;
using System.Security.Cryptography;
using System.Text.Json;
using System.Web;
using Educloud.Idp.Keys;
using Educloud.Idp.Tests.Infrastructure;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Educloud.Idp.Tests.Keys;

/// <summary>
/// The IdP's private_key_jwt key at ID-porten: RSA only (Digdir refuses EC) and a kid, else the
/// IdP does not start and says which setting; the new-idporten-key command makes one that works.
/// </summary>
public sealed class IdPortenClientKeyTests : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("educloud-idporten-key-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    [Theory]
    [InlineData("genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256")]
    [InlineData("ecparam -name prime256v1 -genkey -noout")]
    public void EcKeyFromOpenssl_IdPRefusesToStart_RsaOnly(string command)
    {
        var path = Openssl.NewKey(folder, command);

        var refusal = StartRefusal(path, "educloud-1");

        refusal.Should().Contain($"{IdPortenClientKey.PathSetting}: '{path}' holds an EC key; Digdir accepts RSA keys only (RS256)");
    }

    [Fact]
    public void RsaKeyWithoutKid_IdPRefusesToStart_NamingPrivateKeyId()
    {
        var path = Openssl.NewKey(folder, "genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048");

        StartRefusal(path, keyId: null).Should().Contain($"{IdPortenClientKey.KeyIdSetting} is required with {IdPortenClientKey.PathSetting}");
    }

    [Fact]
    public void GarbageAsKey_IdPRefusesToStart_NamingTheSetting()
    {
        var path = Path.Combine(folder, "garbage.pem");
        File.WriteAllText(path, "not a key\n");

        StartRefusal(path, "educloud-1").Should().Contain($"{IdPortenClientKey.PathSetting}: '{path}' is not a PEM file");
    }

    [Fact]
    public async Task Pkcs1RsaKeyFromOpenssl_WithKid_LogsIn()
    {
        var path = Openssl.NewKey(folder, "genrsa -traditional 2048");
        File.ReadAllText(path).Should().StartWith("-----BEGIN RSA PRIVATE KEY-----");

        await LogInWithKeyOnlyAsync(path, "educloud-pkcs1");
    }

    [Fact]
    public async Task NewIdPortenKeyCommand_WritesAKeyAndItsJwk_TheIdPLogsInWithIt()
    {
        var path = Path.Combine(folder, "idporten-client.pem");
        var (exit, output, _) = Run(IdPortenKeyCommand.Name, path, "2048");

        exit.Should().Be(0, output);
        if (!OperatingSystem.IsWindows())
        {
            File.GetUnixFileMode(path).Should().Be(UnixFileMode.UserRead | UnixFileMode.UserWrite, "the private key is readable by its owner only");
        }

        File.ReadAllText(path).Should().StartWith("-----BEGIN PRIVATE KEY-----");
        using var jwk = JsonDocument.Parse(output[output.IndexOf('{')..(output.LastIndexOf('}') + 1)]);
        var printed = jwk.RootElement;
        printed.GetProperty("kty").GetString().Should().Be("RSA");
        printed.GetProperty("alg").GetString().Should().Be("RS256");
        printed.GetProperty("use").GetString().Should().Be("sig");
        using var rsa = RSA.Create();
        rsa.ImportFromPem(File.ReadAllText(path));
        rsa.KeySize.Should().Be(2048);
        var expected = JsonWebKeyConverter.ConvertFromRSASecurityKey(new RsaSecurityKey(rsa.ExportParameters(false)));
        printed.GetProperty("n").GetString().Should().Be(expected.N, "the JWK is the public half of the written key");
        printed.GetProperty("e").GetString().Should().Be(expected.E);
        var kid = printed.GetProperty("kid").GetString()!;
        kid.Should().Be(Base64UrlEncoder.Encode(expected.ComputeJwkThumbprint()), "the kid is the RFC 7638 thumbprint");
        output.Should().Contain($"{IdPortenClientKey.PathSetting}={path}").And.Contain($"{IdPortenClientKey.KeyIdSetting}={kid}");

        var assertionKid = await LogInWithKeyOnlyAsync(path, kid);

        assertionKid.Should().Be(kid, "the IdP's own client assertion names the registered key");
    }

    [Fact]
    public void NewIdPortenKeyCommand_ExistingFile_RefusedAndUnchanged()
    {
        var path = Path.Combine(folder, "idporten-client.pem");
        File.WriteAllText(path, "the old key");

        var (exit, _, error) = Run(IdPortenKeyCommand.Name, path);

        exit.Should().Be(1);
        error.Should().Contain("exists already");
        File.ReadAllText(path).Should().Be("the old key");
    }

    [Theory]
    [InlineData]
    [InlineData("key.pem", "1024")]
    [InlineData("key.pem", "4096x")]
    public void NewIdPortenKeyCommand_WrongUsage_Exit2(params string[] arguments)
    {
        var (exit, _, error) = Run([IdPortenKeyCommand.Name, .. arguments.Select(a => a == "key.pem" ? Path.Combine(folder, a) : a)]);

        exit.Should().Be(2);
        error.Should().StartWith("Usage: Educloud.Idp new-idporten-key");
        Directory.GetFiles(folder).Should().BeEmpty();
    }

    [Fact]
    public void OtherArguments_AreNotTheCommand() =>
        IdPortenKeyCommand.TryRun(["migrate"], TextWriter.Null, TextWriter.Null).Should().BeNull();

    private static (int Exit, string Output, string Error) Run(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exit = IdPortenKeyCommand.TryRun(args, output, error);
        exit.Should().NotBeNull();
        return (exit!.Value, output.ToString(), error.ToString());
    }

    private static string StartRefusal(string path, string? keyId)
    {
        using var idp = new IdpHost(new Dictionary<string, string?> { ["IdPorten:PrivateKeyPath"] = path, ["IdPorten:PrivateKeyId"] = keyId });
        var start = () => idp.Server;
        return start.Should().Throw<Exception>().Which.ToString();
    }

    /// <summary>Logs in through the simulator with the key as the IdP's only credential; the kid of the client assertion it sent.</summary>
    private static async Task<string?> LogInWithKeyOnlyAsync(string path, string kid)
    {
        using var idp = new IdpHost(new Dictionary<string, string?>
        {
            ["IdPorten:PrivateKeyPath"] = path,
            ["IdPorten:PrivateKeyId"] = kid,
            ["IdPorten:ClientSecret"] = "",
        });
        string? assertionKid = null;
        idp.UpstreamRewriter = async (request, response) =>
        {
            if (request.RequestUri!.AbsolutePath.EndsWith("/token", StringComparison.Ordinal) && request.Content is { } content)
            {
                var form = HttpUtility.ParseQueryString(await content.ReadAsStringAsync());
                form["client_assertion_type"].Should().Be("urn:ietf:params:oauth:client-assertion-type:jwt-bearer");
                form["client_secret"].Should().BeNull();
                assertionKid = new JsonWebToken(form["client_assertion"]!).Kid;
            }

            return response;
        };
        var browser = idp.NewBrowser();

        var page = await Flows.ThroughIdPortenAsync(browser, IdpHost.Origin + "/account/login", Flows.NewPid());

        page.Status.Should().Be(HttpStatusCode.OK, page.Body);
        page.Address.AbsolutePath.Should().Be("/account/enroll", "ID-porten accepted the IdP's client assertion");
        return assertionKid;
    }
}
