using System.Net;
using System.Text;
using System.Text.Json;
using Educloud.Idp.Tests.Infrastructure;
using Educloud.Idp.Totp;
using Microsoft.IdentityModel.JsonWebTokens;

namespace Educloud.Idp.Tests.Totp;

/// <summary>The second factor in the whole flow: app → ID-porten (simulator) → enrollment or code → tokens.</summary>
public sealed class TotpLoginTests(IdpFixture fixture) : IClassFixture<IdpFixture>
{
    private IdpHost Idp => fixture.Idp;

    [Fact]
    public async Task FirstLogin_EnrollsThenGivesTokensWithOtpAndMfa_AndSecondLoginAsksOnlyForTheCode()
    {
        var pid = Flows.NewPid();
        await using var app = await RelyingParty.StartAsync(Idp);
        var browser = Idp.NewBrowser(app);

        var login = await browser.GetAsync(IdpHost.AppOrigin + "/protected");
        var simulator = await browser.SubmitAsync(login);
        var enroll = await browser.SubmitAsync(simulator, values: new Dictionary<string, string> { ["sim_pid"] = pid, ["sim_acr"] = Flows.Substantial });
        enroll.Address.AbsolutePath.Should().Be("/account/enroll", "someone without an authenticator sets one up first");
        var result = await Flows.AnswerSecondFactorAsync(browser, enroll, pid);

        result.Address.AbsoluteUri.Should().Be(IdpHost.AppOrigin + "/protected", "after enrolling the person continues to the app");
        var idToken = new JsonWebToken(JsonDocument.Parse(result.Body).RootElement.GetProperty("id_token").GetString());
        idToken.GetPayloadValue<string[]>("amr").Should().Contain(["otp", "mfa"]);
        idToken.GetClaim("acr").Value.Should().Be(Flows.Substantial);

        var second = Idp.NewBrowser(app);
        var again = await Flows.ThroughIdPortenAsync(second, IdpHost.AppOrigin + "/protected", pid);
        again.Address.AbsolutePath.Should().Be("/account/code", "a person with an authenticator only types a code");
        (await Flows.AnswerSecondFactorAsync(second, again, pid)).Address.AbsoluteUri.Should().Be(IdpHost.AppOrigin + "/protected");
    }

    [Fact]
    public async Task CodesFromOathtool_ForTheSecretOnTheEnrollmentPage_LogIn()
    {
        var pid = Flows.NewPid();
        var browser = Idp.NewBrowser();
        var enroll = await ToEnrollmentAsync(browser, pid);
        var base32 = enroll.Document.QuerySelector("code.secret")!.TextContent.Replace(" ", "", StringComparison.Ordinal);
        var now = Idp.Clock.GetUtcNow().ToUnixTimeSeconds();

        var confirm = ExternalTool.Run("oathtool", "--totp", "-b", base32, "-N", $"@{now}");
        var done = await Flows.SkipWelcomeAsync(browser, await browser.SubmitAsync(enroll, "form[method=post]", new Dictionary<string, string> { ["code"] = confirm }));
        done.Address.AbsolutePath.Should().Be("/", done.Body);

        var other = Idp.NewBrowser();
        var codePage = await Flows.LogInAtIdPortenAsync(other, await other.GetAsync(IdpHost.Origin + "/account/login"), pid);
        codePage.Address.AbsolutePath.Should().Be("/account/code");
        var next = ExternalTool.Run("oathtool", "--totp", "-b", base32, "-N", $"@{now + 30}");
        (await other.SubmitAsync(codePage, "form[method=post]", new Dictionary<string, string> { ["code"] = next })).Address.AbsolutePath.Should().Be("/");
    }

    [Fact]
    public async Task QrCode_DecodedByZbarimg_IsExactlyTheOtpAuthUri()
    {
        var pid = Flows.NewPid();
        var enroll = await ToEnrollmentAsync(Idp.NewBrowser(), pid);
        var src = enroll.Document.QuerySelector("figure.qr img")!.GetAttribute("src")!;
        src.Should().StartWith("data:image/png;base64,");
        var png = Path.Combine(Idp.DataDirectory, $"qr-{pid}.png");
        await File.WriteAllBytesAsync(png, Convert.FromBase64String(src["data:image/png;base64,".Length..]));
        var secret = OtpNet.Base32Encoding.ToBytes(enroll.Document.QuerySelector("code.secret")!.TextContent.Replace(" ", "", StringComparison.Ordinal));
        var account = enroll.Document.QuerySelector("[data-account]")!.TextContent.Trim();

        var decoded = ExternalTool.Run("zbarimg", "-q", "--raw", png);

        decoded.Should().Be(TotpCode.OtpAuthUri(secret, "Educloud Research", account, 6, 30));
        decoded.Should().StartWith("otpauth://totp/Educloud%20Research:").And.Contain("issuer=Educloud%20Research")
            .And.Contain("algorithm=SHA1").And.Contain("digits=6").And.Contain("period=30");
    }

    [Fact]
    public async Task EnrollmentPage_WithoutAFreshIdPortenLogin_IsRefused()
    {
        var browser = Idp.NewBrowser();
        (await browser.GetAsync(IdpHost.Origin + "/account/enroll")).Address.AbsolutePath.Should().Be("/account/new-code");

        // Logged in (both factors) is not enough either: changing the authenticator needs a new ID-porten
        // login. The person, back here after their login, is told on the start page that it is done (issue 9).
        var pid = Flows.NewPid();
        (await Flows.LogInAtIdPortenAsync(browser, await browser.GetAsync(IdpHost.Origin + "/account/login"), pid)).Address.AbsolutePath.Should().Be("/");
        var loggedIn = await browser.GetAsync(IdpHost.Origin + "/account/enroll");
        loggedIn.Address.PathAndQuery.Should().Be("/?notice=already-logged-in");
        loggedIn.Document.QuerySelector("code.secret").Should().BeNull("no new secret without a fresh ID-porten login");
    }

    [Fact]
    public async Task NeedANewCode_AbandonedLeavesTheOldWorking_ConfirmedMakesOldCodesFail()
    {
        var pid = Flows.NewPid();
        var first = Idp.NewBrowser();
        await Flows.LogInAtIdPortenAsync(first, await first.GetAsync(IdpHost.Origin + "/account/login"), pid);
        var oldSecret = Idp.Authenticators.SecretOf(pid);

        // Abandoned: the new QR code is shown but never confirmed.
        var abandon = Idp.NewBrowser();
        (await NewCodeFlowAsync(abandon, pid)).Address.AbsolutePath.Should().Be("/account/enroll");
        var stillWorks = Idp.NewBrowser();
        (await Flows.LogInAtIdPortenAsync(stillWorks, await stillWorks.GetAsync(IdpHost.Origin + "/account/login"), pid)).Address.AbsolutePath.Should().Be("/");

        // Confirmed: the new one replaces the old at once.
        var replace = Idp.NewBrowser();
        var enroll = await NewCodeFlowAsync(replace, pid);
        (await Flows.AnswerSecondFactorAsync(replace, enroll, pid)).Address.AbsolutePath.Should().Be("/");
        Idp.Authenticators.SecretOf(pid).Should().NotEqual(oldSecret);

        var withOld = Idp.NewBrowser();
        var codePage = await Flows.ThroughIdPortenAsync(withOld, IdpHost.Origin + "/account/login", pid);
        var oldCode = TotpCode.Compute(oldSecret, Idp.Clock.GetUtcNow());
        var refused = await withOld.SubmitAsync(codePage, "form[method=post]", new Dictionary<string, string> { ["code"] = oldCode });
        refused.Status.Should().Be(HttpStatusCode.BadRequest);
        refused.Body.Should().Contain("That code did not work");
    }

    [Fact]
    public async Task NewAuthenticatorConfirmed_EndsEveryOtherSession_AndTheAppsRefreshTokens()
    {
        // Someone who had the person's ID-porten login replaced the authenticator and holds a
        // session and an app's refresh token; the real person takes the account back the same way.
        var pid = Flows.NewPid();
        var intruder = Idp.NewBrowser();
        await Flows.LogInAtIdPortenAsync(intruder, await intruder.GetAsync(IdpHost.Origin + "/account/login"), pid);
        var pkce = Pkce.New();
        await intruder.GetAsync(Flows.AuthorizeUrl(pkce: pkce));
        using var backchannel = Idp.NewBackchannel();
        var (status, tokens) = await Flows.RedeemCodeAsync(backchannel, Flows.RedirectParameters(intruder)["code"], pkce);
        status.Should().Be(200, tokens.ToString());

        var owner = Idp.NewBrowser();
        (await Flows.AnswerSecondFactorAsync(owner, await NewCodeFlowAsync(owner, pid), pid)).Address.AbsolutePath.Should().Be("/");

        (await intruder.GetAsync(Flows.AuthorizeUrl())).Address.AbsolutePath.Should().Be("/account/login", "the other session ended");
        (await Flows.RefreshAsync(backchannel, tokens.GetProperty("refresh_token").GetString()!)).Status.Should().Be(400, "the app's tokens were revoked");
        await owner.GetAsync(Flows.AuthorizeUrl());
        Flows.RedirectParameters(owner).Should().ContainKey("code", "the person who replaced it goes on with a new session");
    }

    [Fact]
    public async Task PromptLogin_WithASession_AsksForBothFactorsAgain()
    {
        var pid = Flows.NewPid();
        var browser = Idp.NewBrowser();
        await Flows.LogInAtIdPortenAsync(browser, await browser.GetAsync(IdpHost.Origin + "/account/login"), pid);

        var login = await browser.GetAsync(Flows.AuthorizeUrl(extra: new Dictionary<string, string?> { ["prompt"] = "login" }));
        login.Address.AbsolutePath.Should().Be("/account/login");
        var simulator = await browser.SubmitAsync(login);
        Flows.AskedOfIdPorten(simulator).Should().Contain("prompt=login", "ID-porten must not reuse its own session either");
        var code = await browser.SubmitAsync(simulator, values: new Dictionary<string, string> { ["sim_pid"] = pid, ["sim_acr"] = Flows.Substantial });
        code.Address.AbsolutePath.Should().Be("/account/code");
        await Flows.AnswerSecondFactorAsync(browser, code, pid);

        Flows.RedirectParameters(browser).Should().ContainKey("code");
    }

    [Fact]
    public async Task WrongCode_GetsOneGenericMessage_AndNoSession()
    {
        var pid = Flows.NewPid();
        var setup = Idp.NewBrowser();
        await Flows.LogInAtIdPortenAsync(setup, await setup.GetAsync(IdpHost.Origin + "/account/login"), pid);

        var browser = Idp.NewBrowser();
        var codePage = await Flows.ThroughIdPortenAsync(browser, IdpHost.Origin + "/account/login", pid);
        var wrong = TotpCode.Compute(Idp.Authenticators.SecretOf(pid), Idp.Clock.GetUtcNow().AddMinutes(10));
        var refused = await browser.SubmitAsync(codePage, "form[method=post]", new Dictionary<string, string> { ["code"] = wrong });

        refused.Status.Should().Be(HttpStatusCode.BadRequest);
        refused.Body.Should().Contain("That code did not work");
        (await browser.GetAsync(Flows.AuthorizeUrl())).Address.AbsolutePath.Should().Be("/account/login", "no session after a wrong code");
    }

    private static async Task<BrowserPage> ToEnrollmentAsync(TestBrowser browser, string pid)
    {
        var simulator = await browser.SubmitAsync(await browser.GetAsync(IdpHost.Origin + "/account/login"));
        var enroll = await browser.SubmitAsync(simulator, values: new Dictionary<string, string> { ["sim_pid"] = pid, ["sim_acr"] = Flows.Substantial });
        enroll.Address.AbsolutePath.Should().Be("/account/enroll", enroll.Body);
        return enroll;
    }

    private static async Task<BrowserPage> NewCodeFlowAsync(TestBrowser browser, string pid)
    {
        var page = await browser.GetAsync(IdpHost.Origin + "/account/new-code");
        var simulator = await browser.SubmitAsync(page, "form[method=post]");
        Flows.AskedOfIdPorten(simulator).Should().Contain("prompt=login");
        return await browser.SubmitAsync(simulator, values: new Dictionary<string, string> { ["sim_pid"] = pid, ["sim_acr"] = Flows.Substantial });
    }
}
