using System.Text;
using Educloud.Idp.Tests.Infrastructure;
using Educloud.Idp.Totp;
using Microsoft.Data.Sqlite;

namespace Educloud.Idp.Tests.Totp;

/// <summary>
/// After enrollment, logins, a wrong code and a reuse: the database holds no TOTP secret (base32 or
/// raw) and no pid, and the logs, captured at the most verbose level, hold no code, secret or pid.
/// </summary>
public sealed class SecretLeakTests : IDisposable
{
    private readonly IdpHost idp = new(new Dictionary<string, string?>
    {
        ["Logging:LogLevel:Default"] = "Trace",
        ["Logging:LogLevel:Microsoft"] = "Trace",
    });

    public void Dispose() => idp.Dispose();

    [Fact]
    public async Task AfterTheFlows_NeitherDatabaseNorLogsHoldSecretsCodesOrPids()
    {
        var pid = Flows.NewPid();
        var codes = new List<string>();
        var first = idp.NewBrowser();
        (await Flows.LogInAtIdPortenAsync(first, await first.GetAsync(IdpHost.Origin + "/account/login"), pid)).Address.AbsolutePath.Should().Be("/");
        var second = idp.NewBrowser();
        (await Flows.LogInAtIdPortenAsync(second, await second.GetAsync(IdpHost.Origin + "/account/login"), pid)).Address.AbsolutePath.Should().Be("/");
        var secret = idp.Authenticators.SecretOf(pid);
        codes.AddRange(idp.Authenticators.CodesGiven(pid));

        // A wrong code and a replayed one, so the failure paths have logged too.
        var third = idp.NewBrowser();
        var codePage = await Flows.ThroughIdPortenAsync(third, IdpHost.Origin + "/account/login", pid);
        var wrong = TotpCode.Compute(secret, idp.Clock.GetUtcNow().AddHours(1));
        await third.SubmitAsync(codePage, "form[method=post]", new Dictionary<string, string> { ["code"] = wrong });
        await third.SubmitAsync(codePage, "form[method=post]", new Dictionary<string, string> { ["code"] = codes[^1] });
        codes.Add(wrong);

        SqliteConnection.ClearAllPools();
        var database = Directory.GetFiles(idp.DataDirectory, "idp.db*").Select(File.ReadAllBytes).ToList();
        var base32 = TotpCode.Base32(secret).TrimEnd('=');
        foreach (var file in database)
        {
            Contains(file, Encoding.ASCII.GetBytes(base32)).Should().BeFalse("the base32 secret must not be stored in clear");
            Contains(file, secret).Should().BeFalse("the raw secret must not be stored in clear");
            Contains(file, Encoding.ASCII.GetBytes(pid)).Should().BeFalse("the pid must not be stored in clear");
        }

        var logs = string.Join('\n', idp.Logs.Lines);
        logs.Should().NotBeEmpty();
        logs.Should().NotContain(pid);
        logs.Should().NotContain(base32);
        logs.Should().NotContain(TotpCode.Grouped(secret));
        foreach (var code in codes)
        {
            // As a number of its own: a 6-digit run inside a longer number or id is not a code.
            System.Text.RegularExpressions.Regex.IsMatch(logs, $"(?<![0-9]){code}(?![0-9])").Should().BeFalse($"a one-time code must never be logged ({code})");
        }
    }

    private static bool Contains(byte[] haystack, byte[] needle) => haystack.AsSpan().IndexOf(needle) >= 0;
}
