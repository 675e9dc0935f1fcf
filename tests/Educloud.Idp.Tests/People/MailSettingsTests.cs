using Educloud.Idp.Connect;
using Educloud.Idp.Tests.Infrastructure;

namespace Educloud.Idp.Tests.People;

/// <summary>The Mail settings are checked at start, naming the key; a mail server that is down changes nothing but the log.</summary>
public sealed class MailSettingsTests
{
    [Theory]
    [InlineData("Mail:From", null, "Mail:From")]
    [InlineData("Mail:From", "not an address", "Mail:From")]
    [InlineData("Mail:Port", "0", "Mail:Port")]
    [InlineData("Mail:UserName", "smtp-user", "Mail:UserName and Mail:Password")]
    [InlineData("Mail:Timeout", "00:00:00", "Mail:Timeout")]
    public void BadMailSetting_RefusesToStartNamingTheKey(string key, string? value, string named)
    {
        using var idp = new IdpHost(new Dictionary<string, string?>
        {
            ["Mail:Host"] = "smtp.example.test",
            ["Mail:From"] = "Educloud Research <no-reply@educloud.test>",
            [key] = value,
        });

        var start = () => idp.Server;

        start.Should().Throw<Exception>().Which.ToString().Should().Contain(named);
    }

    [Fact]
    public async Task MailServerDown_TheRevokeIsDone_AndTheLogSaysTheMailWasNotSent()
    {
        await using var smtp = new SmtpReceiver();
        using var idp = new IdpHost(smtp.Settings());
        var pid = Flows.NewPid();
        var address = PeopleFixture.NewAddress();
        var browser = idp.NewBrowser();
        var welcome = await Flows.AnswerSecondFactorAsync(browser, await Flows.ThroughIdPortenAsync(browser, IdpHost.Origin + "/account/login", pid), pid, skipWelcome: false);
        await browser.SubmitAsync(welcome, "main form[method=post]", new Dictionary<string, string> { ["email"] = address });
        var confirming = idp.NewBrowser();
        await confirming.SubmitAsync(await confirming.GetAsync(PeopleFixture.LinkIn(smtp.To(address).Single().TextBody)), "main form[method=post]");
        // The mail server goes away: its port refuses connections.
        await smtp.DisposeAsync();
        var admin = await AdminApi.LogInAsync(idp, AdminRoles.Support);

        var (status, body, _) = await AdminApi.SendAsync(idp, admin.AccessToken, HttpMethod.Post,
            $"/api/admin/users/{await AdminApi.UserIdAsync(idp, pid)}/authenticator/revoke", new { reason = "test" });

        status.Should().Be(204, body.ToString());
        idp.Logs.Lines.Should().Contain(l => l.Contains("[8602] Email not sent (Autentiseringsappen din for Educloud Research er fjernet / Your Educloud Research authenticator app was revoked)", StringComparison.Ordinal));
        idp.Logs.Lines.Should().NotContain(l => l.Contains(address, StringComparison.OrdinalIgnoreCase), "an address is personal data");
    }
}
