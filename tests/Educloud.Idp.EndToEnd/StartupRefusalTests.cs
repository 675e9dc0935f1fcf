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
        await using var idp = ServerProcess.Start("The IdP", IdpProcess.IdpAssemblyPath(), ["--urls", $"http://127.0.0.1:{ServerProcess.FreeTcpPort()}"], new Dictionary<string, string>
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Development",
            ["Database__ConnectionString"] = $"Data Source={Path.Combine(temp, "idp.db")}",
            ["Keys__DevelopmentKeysDirectory"] = Path.Combine(temp, "keys"),
            ["IdPorten__PrivateKeyPath"] = key,
        });

        var exitCode = await idp.WaitForExitAsync(TimeSpan.FromSeconds(90));

        exitCode.Should().Be(1, idp.Output);
        idp.Output.Should().Contain($"IdPorten:PrivateKeyPath: '{key}' holds a public key, not a private key.");
        StackFrame().IsMatch(idp.Output).Should().BeFalse("a wrong setting is not a crash: " + idp.Output);
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
