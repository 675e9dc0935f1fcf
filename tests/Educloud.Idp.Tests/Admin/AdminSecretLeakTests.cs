using System.Text;
using Educloud.Idp.Connect;
using Educloud.Idp.Tests.Infrastructure;
using Microsoft.Data.Sqlite;

namespace Educloud.Idp.Tests.Admin;

/// <summary>
/// After the admin flows (search by pid, local user, enrollment code, password login), the logs at
/// the most verbose level hold no pid, enrollment code, password or access token, and the
/// database holds neither the code nor the password in clear.
/// </summary>
public sealed class AdminSecretLeakTests : IDisposable
{
    private const string Password = "a long password nobody guesses";

    private readonly IdpHost idp = new(new Dictionary<string, string?>
    {
        ["Logging:LogLevel:Default"] = "Trace",
        ["Logging:LogLevel:Microsoft"] = "Trace",
    });

    public void Dispose() => idp.Dispose();

    [Fact]
    public async Task AfterTheAdminFlows_LogsAndDatabaseHoldNoSecrets()
    {
        var support = await AdminApi.LogInAsync(idp, AdminRoles.Support);
        (await AdminApi.SendAsync(idp, support.AccessToken, HttpMethod.Get, "/api/admin/users?q=" + support.Pid)).Status.Should().Be(200);
        var (_, user, _) = await AdminApi.SendAsync(idp, support.AccessToken, HttpMethod.Post, "/api/admin/users", new { userName = "leak-test" });
        var (_, issued, _) = await AdminApi.SendAsync(idp, support.AccessToken, HttpMethod.Post, $"/api/admin/users/{user.GetProperty("id").GetString()}/enrollment-codes", new { });
        var code = issued.GetProperty("code").GetString()!;

        var browser = idp.NewBrowser();
        var form = await browser.GetAsync(IdpHost.Origin + "/account/enroll-with-code");
        var enroll = await browser.SubmitAsync(form, "form[method=post]", new Dictionary<string, string>
        {
            ["username"] = "leak-test", ["code"] = code, ["password"] = Password, ["confirm"] = Password,
        });
        (await Flows.AnswerSecondFactorAsync(browser, enroll, "leak-test")).Address.AbsolutePath.Should().Be("/");
        var login = idp.NewBrowser();
        var page = await login.GetAsync(IdpHost.Origin + "/account/login");
        await login.SubmitAsync(page, "form#password-login", new Dictionary<string, string> { ["username"] = "leak-test", ["password"] = "wrong " + Password });

        var logs = string.Join('\n', idp.Logs.Lines);
        logs.Should().NotBeEmpty();
        logs.Should().NotContain(support.Pid);
        logs.Should().NotContain(code);
        logs.Should().NotContain(code.Replace("-", "", StringComparison.Ordinal));
        logs.Should().NotContain(Password);
        logs.Should().NotContain(support.AccessToken);

        SqliteConnection.ClearAllPools();
        foreach (var file in Directory.GetFiles(idp.DataDirectory, "idp.db*").Select(File.ReadAllBytes))
        {
            Contains(file, Encoding.UTF8.GetBytes(code)).Should().BeFalse();
            Contains(file, Encoding.UTF8.GetBytes(Password)).Should().BeFalse();
        }
    }

    private static bool Contains(byte[] haystack, byte[] needle) => haystack.AsSpan().IndexOf(needle) >= 0;
}
