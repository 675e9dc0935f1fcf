using System.Net;
using Educloud.Idp.Sessions;
using Educloud.Idp.Tests.Infrastructure;

namespace Educloud.Idp.Tests.Sessions;

/// <summary>
/// The pages of a login that is over, visited again (the back button, issue 9): never a dead or
/// misleading page, never the login form for someone logged in.
/// </summary>
public sealed class BackButtonTests(IdpFixture fixture) : IClassFixture<IdpFixture>
{
    private IdpHost Idp => fixture.Idp;

    [Fact]
    public async Task EnrollPage_AfterTheEnrollmentIsDone_GoesToTheStartPageSayingTheLoginIsDone()
    {
        var browser = Idp.NewBrowser();
        var pid = Flows.NewPid();
        var done = await Flows.LogInAtIdPortenAsync(browser, await browser.GetAsync(IdpHost.Origin + AccountPaths.Login), pid);
        done.Address.AbsolutePath.Should().Be("/", "the first login set up the authenticator and ended on the start page");

        var back = await browser.GetAsync(IdpHost.Origin + AccountPaths.Enroll);

        back.Address.AbsolutePath.Should().Be("/", "not \"Need a new one-time code?\", which tells a person who just set one up that the old one keeps working");
        back.Document.QuerySelector($"[data-notice={StartNotice.AlreadyLoggedIn}]").Should().NotBeNull(back.Body);
        back.Body.Should().Contain("You are logged in to Educloud Research");
        back.Document.QuerySelector("code.secret").Should().BeNull("no QR code without a fresh ID-porten login");
    }

    [Fact]
    public async Task CodePage_AfterTheLoginIsDone_GoesToTheStartPageSayingTheLoginIsDone()
    {
        var pid = Flows.NewPid();
        await fixture.LoggedInBrowserAsync(pid);
        var browser = Idp.NewBrowser();
        var codePage = await Flows.ThroughIdPortenAsync(browser, IdpHost.Origin + AccountPaths.Login, pid);
        codePage.Address.AbsolutePath.Should().Be(AccountPaths.Code, codePage.Body);
        (await Flows.AnswerSecondFactorAsync(browser, codePage, pid)).Address.AbsolutePath.Should().Be("/");

        var back = await browser.GetAsync(IdpHost.Origin + AccountPaths.Code);

        back.Address.AbsolutePath.Should().Be("/", back.Body);
        back.Document.QuerySelector($"[data-notice={StartNotice.AlreadyLoggedIn}]").Should().NotBeNull(back.Body);
        back.Body.Should().NotContain("Log in with ID-porten");
    }

    [Fact]
    public async Task LoginPage_ForSomeoneLoggedIn_GoesOnToTheAppsAuthorizationRequest_NotTheForm()
    {
        var pid = Flows.NewPid();
        await fixture.LoggedInBrowserAsync(pid);
        var browser = Idp.NewBrowser();
        var loginPage = await browser.GetAsync(Flows.AuthorizeUrl());
        await Flows.LogInAtIdPortenAsync(browser, loginPage, pid);
        Flows.RedirectParameters(browser).Should().ContainKey("code", "the login is done and the app has its code");

        // Back to the login page as the app's authorization request left it (returnUrl and the app's token).
        var back = await browser.GetAsync(loginPage.Address.AbsoluteUri);

        back.Body.Should().NotContain("Log in with ID-porten");
        Flows.RedirectParameters(browser).Should().ContainKey("code", "the authorization request goes on with the session and answers the app");
    }

    [Theory]
    [InlineData("")]
    [InlineData("?returnUrl=%2F%2Fevil.example%2Fphish")]
    [InlineData("?returnUrl=https%3A%2F%2Fevil.example%2F")]
    public async Task LoginPage_ForSomeoneLoggedIn_WithoutALocalWayBack_GoesToTheStartPage(string query)
    {
        var browser = await fixture.LoggedInBrowserAsync();

        var page = await browser.SendAsync(new HttpRequestMessage(HttpMethod.Get, IdpHost.Origin + AccountPaths.Login + query), followRedirects: false);

        page.Status.Should().Be(HttpStatusCode.Redirect, page.Body);
        page.Response.Headers.Location!.OriginalString.Should().Be(AccountPaths.StartWith(StartNotice.AlreadyLoggedIn));
    }

    [Fact]
    public async Task LoginPage_WhenTheAppAsksForANewLogin_ShowsTheFormEvenToSomeoneLoggedIn()
    {
        // prompt=login (OIDC Core 3.1.2.1): going on with the old session would answer it with that session.
        var browser = await fixture.LoggedInBrowserAsync();

        var page = await browser.GetAsync(Flows.AuthorizeUrl(extra: new Dictionary<string, string?> { ["prompt"] = "login" }));

        page.Address.AbsolutePath.Should().Be(AccountPaths.Login);
        page.Status.Should().Be(HttpStatusCode.OK);
        page.Body.Should().Contain("Log in with ID-porten");
        browser.LeftTo.Should().BeNull("no code for the app without the new login");
    }

    [Fact]
    public async Task LoginPage_ForSomeoneNotLoggedIn_ShowsTheForm()
    {
        var page = await Idp.NewBrowser().GetAsync(IdpHost.Origin + AccountPaths.Login);

        page.Status.Should().Be(HttpStatusCode.OK);
        page.Body.Should().Contain("Log in with ID-porten");
    }
}
