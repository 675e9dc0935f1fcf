using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Educloud.Idp.EndToEnd.Infrastructure;
using Educloud.Idp.Testing;

namespace Educloud.Idp.EndToEnd;

/// <summary>
/// A wrong setting stops the real IdP process at start with one message that names the key, exit
/// code 1, and no stack trace (Settings/SettingsFailure). No browser needed.
/// </summary>
public sealed partial class StartupRefusalTests : IDisposable
{
    private readonly string temp = Directory.CreateTempSubdirectory("educloud-e2e-refusal-").FullName;

    [GeneratedRegex(@"^\s+at \S+", RegexOptions.Multiline)]
    private static partial Regex StackFrame();

    [Fact]
    public async Task PublicKeyAsIdPortenClientKey_StopsWithTheSettingsNameAndNoStackTrace()
    {
        var key = Path.Combine(temp, "idporten-client.pem");
        await File.WriteAllTextAsync(key, RSA.Create(2048).ExportSubjectPublicKeyInfoPem());

        var output = await RefusedStartAsync(new() { ["IdPorten__PrivateKeyPath"] = key });

        output.Should().Contain($"IdPorten:PrivateKeyPath: '{key}' holds a public key, not a private key.");
    }

    /// <summary>Digdir refuses EC keys for private_key_jwt: an EC key made with openssl stops the IdP, naming the setting.</summary>
    [Fact]
    public async Task EcKeyFromOpensslAsIdPortenClientKey_StopsWithTheSettingsNameAndNoStackTrace()
    {
        var key = Path.Combine(temp, "idporten-client.pem");
        await ServerProcess.RunAsync("openssl", ["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", key]);

        var output = await RefusedStartAsync(new() { ["IdPorten__PrivateKeyPath"] = key, ["IdPorten__PrivateKeyId"] = "educloud-1" });

        output.Should().Contain($"IdPorten:PrivateKeyPath: '{key}' holds an EC key; Digdir accepts RSA keys only (RS256)");
    }

    /// <summary>Starts the real IdP in Development with <paramref name="settings"/>; asserts it stopped with exit code 1 and no stack trace; its output.</summary>
    private async Task<string> RefusedStartAsync(Dictionary<string, string> settings)
    {
        var environment = new Dictionary<string, string>
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Development",
            ["Database__ConnectionString"] = $"Data Source={Path.Combine(temp, "idp.db")}",
            ["Keys__DevelopmentKeysDirectory"] = Path.Combine(temp, "keys"),
        };
        foreach (var (name, value) in settings)
        {
            environment[name] = value;
        }

        await using var idp = ServerProcess.Start("The IdP", IdpProcess.IdpAssemblyPath(), ["--urls", $"http://127.0.0.1:{ServerProcess.FreeTcpPort()}"], environment);

        var exitCode = await idp.WaitForExitAsync(TimeSpan.FromSeconds(90));

        exitCode.Should().Be(1, idp.Output);
        StackFrame().IsMatch(idp.Output).Should().BeFalse("a wrong setting is not a crash: " + idp.Output);
        return idp.Output;
    }

    /// <summary>The real command, as an operator runs it: a key file and the JWK to register, without any setting.</summary>
    [Fact]
    public async Task NewIdPortenKeyCommand_WritesTheKey_PrintsTheJwk_RefusesToOverwrite()
    {
        var key = Path.Combine(temp, "idporten-client.pem");
        await using var first = ServerProcess.Start("new-idporten-key", IdpProcess.IdpAssemblyPath(), ["new-idporten-key", key, "2048"], new Dictionary<string, string>());

        (await first.WaitForExitAsync(TimeSpan.FromSeconds(90))).Should().Be(0, first.Output);
        first.Output.Should().Contain("\"kty\": \"RSA\"").And.Contain("\"alg\": \"RS256\"").And.Contain($"IdPorten:PrivateKeyPath={key}");
        File.ReadAllText(key).Should().StartWith("-----BEGIN PRIVATE KEY-----");

        await using var second = ServerProcess.Start("new-idporten-key", IdpProcess.IdpAssemblyPath(), ["new-idporten-key", key], new Dictionary<string, string>());
        (await second.WaitForExitAsync(TimeSpan.FromSeconds(90))).Should().Be(1, second.Output);
        second.Output.Should().Contain("exists already");
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(temp, recursive: true);
        }
        catch (IOException)
        {
            // Left for the OS to clean up with /tmp.
        }
    }
}
