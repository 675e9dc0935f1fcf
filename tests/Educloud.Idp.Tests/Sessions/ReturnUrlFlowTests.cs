using System.Net;
using AngleSharp.Html.Dom;
using Educloud.Idp.Data;
using Educloud.Idp.Tests.Infrastructure;
using Educloud.Idp.Totp;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Educloud.Idp.Tests.Sessions;

/// <summary>
/// The way back after a complete login, through the real pages (issue 8, items 2 and 11): the
/// Location stays on the IdP, and the audit log names the app of the validated authorization
/// request, whatever the browser sends back as returnUrl.
/// </summary>
public sealed class ReturnUrlFlowTests(IdpFixture fixture) : IClassFixture<IdpFixture>
{
    private IdpHost Idp => fixture.Idp;

    [Theory]
    [InlineData("/\t/evil.example/phish")]
    [InlineData("/\n/evil.example/phish")]
    [InlineData("/\r/evil.example/phish")]
    public async Task ReturnUrlWithAControlCharacter_IsRefusedBeforeAnyLogin(string returnUrl)
    {
        // The request guard refuses control characters in any parameter (Hosting/RequestGuard), so
        // such a link stops at the login page; LocalUrl would refuse it too (LocalUrlTests).
        var browser = Idp.NewBrowser();
        var page = await browser.SendAsync(new HttpRequestMessage(HttpMethod.Get, IdpHost.Origin + "/account/login?returnUrl=" + Uri.EscapeDataString(returnUrl)), followRedirects: false);

        page.Status.Should().Be(HttpStatusCode.BadRequest);
        page.Response.Headers.Location.Should().BeNull();
    }

    [Theory]
    [InlineData("/%09/evil.example/phish", "/%09/evil.example/phish")]
    [InlineData("/\uFF0F/evil.example", "/%EF%BC%8F/evil.example")]
    public async Task ReturnUrlBypass_AfterACompleteLogin_TheLocationStaysOnTheIdp(string returnUrl, string expected)
    {
        var pid = Flows.NewPid();
        await fixture.LoggedInBrowserAsync(pid);
        var browser = Idp.NewBrowser();
        var codePage = await Flows.ThroughIdPortenAsync(browser, IdpHost.Origin + "/account/login?returnUrl=" + Uri.EscapeDataString(returnUrl), pid);
        codePage.Address.AbsolutePath.Should().Be("/account/code", codePage.Body);

        // The code, posted as the form does, without following the answer: its raw Location is the point.
        var form = new FormUrlEncodedContent(
        [
            new("__RequestVerificationToken", ((IHtmlInputElement)codePage.Document.QuerySelector("form[method=post] input[name=__RequestVerificationToken]")!).Value),
            new("code", Idp.Authenticators.NextCode(pid, Idp.Clock)),
        ]);
        var answer = await browser.SendAsync(new HttpRequestMessage(HttpMethod.Post, IdpHost.Origin + "/account/code") { Content = form }, followRedirects: false);

        answer.Status.Should().Be(HttpStatusCode.Redirect, answer.Body);
        var location = answer.Response.Headers.NonValidated["Location"].ToString();
        location.Should().Be(expected);
        BrowserUrlModel.StaysOnSite(location).Should().BeTrue(location);
    }

    [Fact]
    public async Task TamperedReturnUrl_NamingAnotherApp_DoesNotChangeTheAuditedApp()
    {
        var pid = Flows.NewPid();
        await fixture.LoggedInBrowserAsync(pid);
        var userId = await AdminApi.UserIdAsync(Idp, pid);

        // As the app sent it: the audit log names the app of the authorization request.
        var honest = Idp.NewBrowser();
        var login = await honest.GetAsync(Flows.AuthorizeUrl());
        login.Address.AbsolutePath.Should().Be("/account/login");
        await WrongCodeAsync(honest, await ThroughIdPortenAsync(honest, login, pid), pid);
        (await LastWrongCodeAppAsync(userId)).Should().Be(IdpHost.AppClientId);

        // The returnUrl swapped for another app's authorization request: the log does not follow it.
        var tampering = Idp.NewBrowser();
        var otherApp = new Uri(Flows.AuthorizeUrl(clientId: IdpHost.PidAppClientId, redirectUri: IdpHost.AppOrigin + "/pid/callback", scope: "openid pid")).PathAndQuery;
        var tamperedLogin = await tampering.GetAsync(Flows.AuthorizeUrl());
        var simulator = await tampering.SubmitAsync(tamperedLogin, "form", new Dictionary<string, string> { ["returnUrl"] = otherApp });
        var codePage = await tampering.SubmitAsync(simulator, values: new Dictionary<string, string> { ["sim_pid"] = pid, ["sim_acr"] = Flows.Substantial });
        await WrongCodeAsync(tampering, codePage, pid);

        (await LastWrongCodeAppAsync(userId)).Should().BeNull("a returnUrl the authorization request did not make names no app");
    }

    private static async Task<BrowserPage> ThroughIdPortenAsync(TestBrowser browser, BrowserPage login, string pid) =>
        await browser.SubmitAsync(await browser.SubmitAsync(login), values: new Dictionary<string, string> { ["sim_pid"] = pid, ["sim_acr"] = Flows.Substantial });

    private async Task WrongCodeAsync(TestBrowser browser, BrowserPage codePage, string pid)
    {
        codePage.Address.AbsolutePath.Should().Be("/account/code", codePage.Body);
        var wrong = TotpCode.Compute(Idp.Authenticators.SecretOf(pid), Idp.Clock.GetUtcNow().AddMinutes(10));
        (await browser.SubmitAsync(codePage, "form[method=post]", new Dictionary<string, string> { ["code"] = wrong })).Status.Should().Be(HttpStatusCode.BadRequest);
    }

    private Task<string?> LastWrongCodeAppAsync(string userId) =>
        AdminApi.InScopeAsync(Idp, s => s.GetRequiredService<IdpDbContext>().AuditEvents.AsNoTracking()
            .Where(a => a.UserId == userId && a.Type == AuditEventTypes.TotpWrongCode)
            .OrderByDescending(a => a.Id).Select(a => a.ClientId).FirstAsync());
}
