using Educloud.Idp.Sessions;
using Educloud.Idp.Tests.Infrastructure;
using Educloud.Idp.Totp;

namespace Educloud.Idp.Tests.Totp;

/// <summary>The enrollment and code pages say what the settings say (Totp:Digits, Totp:PeriodSeconds, Totp:Issuer), not fixed text (issue 9).</summary>
public sealed class TotpPageTextTests
{
    [Fact]
    public async Task CodeAndEnrollmentPages_NameTheConfiguredDigitsPeriodAndIssuer()
    {
        using var idp = new IdpHost(new Dictionary<string, string?>
        {
            ["Totp:Issuer"] = "Example University Research",
            ["Totp:Digits"] = "8",
            ["Totp:PeriodSeconds"] = "60",
        });
        var pid = Flows.NewPid();
        var browser = idp.NewBrowser();
        var enroll = await Flows.ThroughIdPortenAsync(browser, IdpHost.Origin + AccountPaths.Login, pid);
        enroll.Address.AbsolutePath.Should().Be(AccountPaths.Enroll, enroll.Body);
        enroll.Body.Should().Contain("Type the 8-digit code").And.Contain("<strong>Example University Research</strong>").And.NotContain("6-digit");

        var secret = OtpNet.Base32Encoding.ToBytes(enroll.Document.QuerySelector("code.secret")!.TextContent.Replace(" ", "", StringComparison.Ordinal));
        var code = TotpCode.Compute(secret, idp.Clock.GetUtcNow(), periodSeconds: 60, digits: 8);
        (await Flows.SkipWelcomeAsync(browser, await browser.SubmitAsync(enroll, "form[method=post]", new Dictionary<string, string> { ["code"] = code }))).Address.AbsolutePath.Should().Be("/");

        var codePage = await Flows.ThroughIdPortenAsync(idp.NewBrowser(), IdpHost.Origin + AccountPaths.Login, pid);

        codePage.Address.AbsolutePath.Should().Be(AccountPaths.Code, codePage.Body);
        codePage.Body.Should().Contain("type the 8-digit code").And.Contain("<strong>Example University Research</strong>")
            .And.Contain("a new code every 60 seconds").And.NotContain("6-digit").And.NotContain("30 seconds");
    }
}
