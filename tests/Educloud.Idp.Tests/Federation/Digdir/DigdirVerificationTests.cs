using Educloud.Idp.Tests.Infrastructure;
using Microsoft.AspNetCore.WebUtilities;

namespace Educloud.Idp.Tests.Federation.Digdir;

/// <summary>
/// Digdir's verification tests of an ID-porten integration ("Verifikasjonstester"), one test each,
/// against the simulator with the IdP registered as at Digdir and PAR required
/// (<see cref="DigdirFixture"/>). "Our service" is a research app logging in through the IdP; "the
/// other service" is another client of ID-porten (<see cref="OtherService"/>), the part Digdir's
/// test service plays. Test 7 by front-channel logout alone and test 8 (timeout) have classes of
/// their own (their hosts differ); docs/idporten.md says how the IdP passes each.
/// </summary>
public sealed class DigdirVerificationTests(DigdirFixture fixture) : IClassFixture<DigdirFixture>
{
    private IdpHost Idp => fixture.Idp;

    private OtherService Service => fixture.Service;

    [Fact]
    public async Task DigdirTest1_SingleSignOnFromOurService_Substantial_TheOtherServiceNeedsNoNewLogin()
    {
        await SingleSignOnFromOurServiceAsync(Flows.Substantial);
    }

    [Fact]
    public async Task DigdirTest2_SingleSignOnFromOurService_High_TheOtherServiceNeedsNoNewLogin()
    {
        await SingleSignOnFromOurServiceAsync(Flows.High);
    }

    [Fact]
    public async Task DigdirTest3_SingleSignOnToOurService_Substantial_NoNewIdPortenLogin_OnlyOurOneTimeCode()
    {
        await SingleSignOnToOurServiceAsync(Flows.Substantial);
    }

    [Fact]
    public async Task DigdirTest4_SingleSignOnToOurService_High_NoNewIdPortenLogin_OnlyOurOneTimeCode()
    {
        await SingleSignOnToOurServiceAsync(Flows.High);
    }

    [Fact]
    public async Task DigdirTest6_SingleLogoutFromOurService_EndsOurSession_AndTheIdPortenSessionOfTheOtherService()
    {
        var pid = Flows.NewPid();
        var browser = Idp.NewBrowser();
        await LogInAtTheOtherServiceAsync(browser, pid, Flows.Substantial);
        var ours = await SingleSignOnToOurServiceAsync(browser, pid, Flows.Substantial);

        var logoutPage = await fixture.LogOutOfOurServiceAsync(browser, ours);

        logoutPage.Body.Should().Contain("Your login session has ended", "the IdP's id_token_hint named the ID-porten session");
        (await DigdirFixture.IsLoggedOutOfOurServiceAsync(browser)).Should().BeTrue("our session is over");
        var again = await Service.StartAsync(browser);
        again.Page!.Address.AbsolutePath.Should().Be("/idporten-sim/authorize");
        browser.LeftTo.Should().BeNull("the ID-porten session is over too: the other service needs a new login");
    }

    [Fact]
    public async Task DigdirTest7_SingleLogoutStartedAtTheOtherService_BackChannel_EndsOurSessionWithoutTheFrames()
    {
        var pid = Flows.NewPid();
        var browser = Idp.NewBrowser();
        await fixture.LogInToOurServiceAsync(browser, pid);
        var otherToken = await SingleSignOnToTheOtherServiceAsync(browser, pid, Flows.Substantial);

        // ID-porten's logout page is shown, and its frames are not loaded (a browser that blocks them).
        await OtherService.LogOutAsync(browser, otherToken);

        (await DigdirFixture.IsLoggedOutOfOurServiceAsync(browser)).Should().BeTrue("ID-porten's logout_token ended our session");
    }

    [Fact]
    public async Task DigdirTest9_ForcedReauthentication_PromptLogin_IdPortenAsksForANewLoginDespiteItsSession()
    {
        var pid = Flows.NewPid();
        var browser = Idp.NewBrowser();
        await LogInAtTheOtherServiceAsync(browser, pid, Flows.Substantial);

        // prompt=login from the app: ID-porten's session must not answer for the person (without it, test 3).
        var pkce = Pkce.New();
        var login = await browser.GetAsync(Flows.AuthorizeUrl(pkce: pkce, extra: new Dictionary<string, string?> { ["prompt"] = "login" }));
        login.Address.AbsolutePath.Should().Be("/account/login");
        var atIdPorten = await browser.SubmitAsync(login);

        atIdPorten.Address.AbsolutePath.Should().Be("/idporten-sim/authorize", "ID-porten shows its login page again");
        atIdPorten.Document.QuerySelector("form[method=post] input[name=sim_pid]").Should().NotBeNull("the login form, not an answer from the session: {0}", atIdPorten.Body);
        var next = await browser.SubmitAsync(atIdPorten, values: new Dictionary<string, string> { ["sim_pid"] = pid, ["sim_pid_other"] = "", ["sim_acr"] = Flows.Substantial });
        await Flows.AnswerSecondFactorAsync(browser, next, pid);
        (await fixture.RedeemAsync(browser, pkce)).Acr.Should().Be(Flows.Substantial);
        fixture.UpstreamCallsShouldHaveUsedPar();
    }

    [Theory]
    [InlineData("nn")]
    [InlineData("en")]
    public async Task DigdirTest11_Language_UiLocalesFromTheApp_IdPortenSpeaksIt(string language)
    {
        var pid = Flows.NewPid();
        var browser = Idp.NewBrowser();
        var pkce = Pkce.New();
        var login = await browser.GetAsync(Flows.AuthorizeUrl(pkce: pkce, extra: new Dictionary<string, string?> { ["ui_locales"] = language }));

        var atIdPorten = await browser.SubmitAsync(login);

        atIdPorten.Address.AbsolutePath.Should().Be("/idporten-sim/authorize");
        atIdPorten.Document.DocumentElement.GetAttribute("lang").Should().Be(language, "ID-porten's page is in the language the app asked for");
        var next = await browser.SubmitAsync(atIdPorten, values: new Dictionary<string, string> { ["sim_pid"] = pid, ["sim_pid_other"] = "", ["sim_acr"] = Flows.Substantial });
        await Flows.AnswerSecondFactorAsync(browser, next, pid);
        (await fixture.RedeemAsync(browser, pkce)).Acr.Should().Be(Flows.Substantial);
    }

    [Fact]
    public async Task CancelAtIdPorten_TheAppGetsAccessDenied_WithItsStateAndOurIss()
    {
        var browser = Idp.NewBrowser();
        var authorize = Flows.AuthorizeUrl();
        var atIdPorten = await browser.SubmitAsync(await browser.GetAsync(authorize));
        atIdPorten.Address.AbsolutePath.Should().Be("/idporten-sim/authorize");

        await browser.SubmitAsync(atIdPorten, submitName: "sim_cancel");

        browser.LeftTo!.GetLeftPart(UriPartial.Path).Should().Be(IdpHost.AppOrigin + "/signin-oidc", "the app is told at its redirect URI");
        var response = Flows.RedirectParameters(browser);
        response["error"].Should().Be("access_denied");
        response["state"].Should().Be(QueryHelpers.ParseQuery(new Uri(authorize).Query)["state"].ToString());
        response["iss"].Should().Be(IdpHost.Origin + "/", "RFC 9207: our issuer, not ID-porten's");
        response.Should().NotContainKey("code");
    }

    /// <summary>Tests 1 and 2: a login to our service at <paramref name="acr"/>; the other service then logs in without one.</summary>
    private async Task SingleSignOnFromOurServiceAsync(string acr)
    {
        var pid = Flows.NewPid();
        var browser = Idp.NewBrowser();
        var ours = await fixture.LogInToOurServiceAsync(browser, pid, acr, new Dictionary<string, string?> { ["acr_values"] = acr });
        ours.Acr.Should().Be(acr);

        var token = await SingleSignOnToTheOtherServiceAsync(browser, pid, acr);

        token.GetPayloadValue<string>("acr").Should().Be(acr);
        fixture.UpstreamCallsShouldHaveUsedPar();
    }

    /// <summary>Tests 3 and 4: a login at the other service at <paramref name="acr"/>; ours then needs no new ID-porten login.</summary>
    private async Task SingleSignOnToOurServiceAsync(string acr)
    {
        var pid = Flows.NewPid();
        var browser = Idp.NewBrowser();
        await LogInAtTheOtherServiceAsync(browser, pid, acr);

        var ours = await SingleSignOnToOurServiceAsync(browser, pid, acr);

        ours.Acr.Should().Be(acr, "the level of the ID-porten login the IdP's session rests on");
        fixture.UpstreamCallsShouldHaveUsedPar();
    }

    /// <summary>The other service, through ID-porten's login page.</summary>
    private async Task LogInAtTheOtherServiceAsync(TestBrowser browser, string pid, string acr)
    {
        var other = await Service.StartAsync(browser, acr);
        await OtherService.LogInAtIdPortenAsync(browser, other, pid, acr);
        (await Service.RedeemAsync(browser, other)).GetPayloadValue<string>("acr").Should().Be(acr);
    }

    /// <summary>The other service within the ID-porten session: back with a code at once, the same person and level.</summary>
    private async Task<Microsoft.IdentityModel.JsonWebTokens.JsonWebToken> SingleSignOnToTheOtherServiceAsync(TestBrowser browser, string pid, string acr)
    {
        var other = await Service.StartAsync(browser, acr);
        browser.LeftTo.Should().NotBeNull("single sign-on: no new login at ID-porten ({0})", other.Page!.Address);
        var token = await Service.RedeemAsync(browser, other);
        token.GetPayloadValue<string>("pid").Should().Be(pid);
        return token;
    }

    /// <summary>Our service within an ID-porten session: the IdP's login page, then no ID-porten page; only our one-time code.</summary>
    private async Task<AppLogin> SingleSignOnToOurServiceAsync(TestBrowser browser, string pid, string acr)
    {
        var pkce = Pkce.New();
        var login = await browser.GetAsync(Flows.AuthorizeUrl(pkce: pkce, extra: new Dictionary<string, string?> { ["acr_values"] = acr }));
        login.Address.AbsolutePath.Should().Be("/account/login");

        var afterIdPorten = await browser.SubmitAsync(login);

        afterIdPorten.Address.AbsolutePath.Should().BeOneOf(["/account/enroll", "/account/code"], "single sign-on at ID-porten, then our own second factor: {0}", afterIdPorten.Body);
        await Flows.AnswerSecondFactorAsync(browser, afterIdPorten, pid);
        return await fixture.RedeemAsync(browser, pkce);
    }
}
