using System.Text;
using Educloud.Idp.Connect;
using Educloud.Idp.Tests.Infrastructure;

namespace Educloud.Idp.Tests.Admin;

/// <summary>
/// After the admin flows (search by pid, local user, enrollment code, password login), the logs with
/// every category at Trace (messages and structured values) hold no pid, enrollment code, password
/// or token, and the
/// database holds neither the code nor the password in clear.
/// </summary>
public sealed class AdminSecretLeakTests : IDisposable
{
    private const string Password = "a long password nobody guesses";

    private readonly IdpHost idp = new(new Dictionary<string, string?>
    {
        // What an operator could set; the rules LogRedaction adds must hold whatever they say.
        ["Logging:LogLevel:Default"] = "Trace",
        ["Logging:LogLevel:Microsoft"] = "Trace",
        ["Logging:LogLevel:Microsoft.AspNetCore"] = "Trace",
        ["Logging:LogLevel:Microsoft.AspNetCore.Mvc"] = "Trace",
        ["Logging:LogLevel:OpenIddict"] = "Trace",
        ["Logging:LogLevel:System.Net.Http"] = "Trace",
    })
    {
        // Every category at Trace, whatever appsettings says (Microsoft.AspNetCore: Warning, ...).
        TraceEverything = true,
    };

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

        var logged = idp.Logs.Lines.Concat(idp.Logs.StateValues).ToList();
        idp.Logs.Lines.Should().Contain(line => line.StartsWith("Trace ", StringComparison.Ordinal), "Trace logging is on");
        var secrets = new List<(string Value, string What)>
        {
            (support.Pid, "the pid"), (code, "the enrollment code"), (code.Replace("-", "", StringComparison.Ordinal), "the enrollment code"),
            (Password, "the password"), (support.AccessToken, "the access token"),
        };
        if (support.RefreshToken is { } refresh)
        {
            secrets.Add((refresh, "the refresh token"));
        }

        foreach (var (value, what) in secrets)
        {
            // Only the offending lines in the message: the whole Trace log is far too long for one.
            logged.Where(line => line.Contains(value, StringComparison.Ordinal)).Should().BeEmpty($"{what} must never be logged");
        }

        logged.Where(line => System.Text.RegularExpressions.Regex.IsMatch(line, "eyJ[A-Za-z0-9_-]{8,}\\.[A-Za-z0-9_-]*\\.")).Should().BeEmpty("no JWT is ever logged");

        foreach (var file in DatabaseFiles.Read(idp, knownStored: "leak-test"))
        {
            DatabaseFiles.Contains(file, Encoding.UTF8.GetBytes(code)).Should().BeFalse();
            DatabaseFiles.Contains(file, Encoding.UTF8.GetBytes(Password)).Should().BeFalse();
        }
    }
}
