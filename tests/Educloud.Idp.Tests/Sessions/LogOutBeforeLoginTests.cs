using System.Net;
using Educloud.Idp.Data;
using Educloud.Idp.Tests.Infrastructure;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Educloud.Idp.Tests.Sessions;

/// <summary>
/// Digdir's note to verification test 6: everyone who tries to log in can log out actively, also
/// people who do not get in. Every page a person reaches after ID-porten without a finished login
/// offers "Log out" (a POST with antiforgery), which ends the pending login here and sends the
/// person through ID-porten's end_session_endpoint with the id_token_hint.
/// </summary>
public sealed class LogOutBeforeLoginTests(LogOutBeforeLoginTests.Hosts hosts) : IClassFixture<LogOutBeforeLoginTests.Hosts>
{
    private const string LogOutForm = "form[action='/account/logout']";

    /// <summary>The default IdP, and one that wants level high and registers nobody by itself.</summary>
    public sealed class Hosts : IAsyncLifetime
    {
        public IdpHost Default { get; } = new();

        public IdpHost Strict { get; } = new(new Dictionary<string, string?>
        {
            ["IdPorten:AcrValues"] = Flows.High,
            ["IdPorten:AutoProvisionUsers"] = "false",
        });

        public Task InitializeAsync()
        {
            _ = Default.Server;
            _ = Strict.Server;
            return Task.CompletedTask;
        }

        public Task DisposeAsync()
        {
            Default.Dispose();
            Strict.Dispose();
            return Task.CompletedTask;
        }
    }

    [Fact]
    public async Task EnrollPage_LogOut_EndsThePendingLogin_AndIdPortensSession()
    {
        var pid = Flows.NewPid();
        var browser = hosts.Default.NewBrowser();
        var enroll = await Flows.ThroughIdPortenAsync(browser, IdpHost.Origin + "/account/login", pid);
        enroll.Address.AbsolutePath.Should().Be("/account/enroll", enroll.Body);

        await LogOutAtIdPortenAsync(browser, enroll);

        (await browser.GetAsync(IdpHost.Origin + "/account/enroll")).Address.AbsolutePath.Should().NotBe("/account/enroll", "the pending login is gone");
        (await PendingLoginsAsync(hosts.Default, pid)).Should().Be(0);
    }

    [Fact]
    public async Task CodePage_LogOut_EndsThePendingLogin_AndIdPortensSession()
    {
        var pid = Flows.NewPid();
        var first = hosts.Default.NewBrowser();
        (await Flows.LogInAtIdPortenAsync(first, await first.GetAsync(IdpHost.Origin + "/account/login"), pid)).Address.AbsolutePath.Should().Be("/");
        var browser = hosts.Default.NewBrowser();
        var code = await Flows.ThroughIdPortenAsync(browser, IdpHost.Origin + "/account/login", pid);
        code.Address.AbsolutePath.Should().Be("/account/code", code.Body);

        await LogOutAtIdPortenAsync(browser, code);

        (await browser.GetAsync(IdpHost.Origin + "/account/code")).Address.AbsolutePath.Should().Be("/account/login", "the pending login is gone");
        (await PendingLoginsAsync(hosts.Default, pid)).Should().Be(0);
    }

    [Fact]
    public async Task NotRegisteredPage_LogOut_EndsIdPortensSession()
    {
        var browser = hosts.Strict.NewBrowser();
        var page = await ThroughIdPortenAsync(browser, Flows.NewPid(), Flows.High);
        page.Address.AbsolutePath.Should().Be("/account/not-registered", page.Body);

        await LogOutAtIdPortenAsync(browser, page);

        browser.Cookies.GetCookies(new Uri(IdpHost.Origin)).Should().NotContain(c => c.Name == "__Host-educloud-idporten-logout" && !c.Expired, "the id_token is taken");
    }

    [Fact]
    public async Task InsufficientLevelPage_LogOut_EndsIdPortensSession()
    {
        var browser = hosts.Strict.NewBrowser();
        // ID-porten never grants less than asked; the fault plays one that does, to reach the IdP's page.
        hosts.Strict.Faults.GrantLevelBelowRequested = true;
        BrowserPage page;
        try
        {
            page = await ThroughIdPortenAsync(browser, Flows.NewPid(), Flows.Substantial);
        }
        finally
        {
            hosts.Strict.Faults.GrantLevelBelowRequested = false;
        }

        page.Address.AbsolutePath.Should().Be("/account/insufficient-level", page.Body);

        await LogOutAtIdPortenAsync(browser, page);
    }

    [Fact]
    public async Task LoginFailedPage_OffersLogOut()
    {
        var page = await hosts.Default.NewBrowser().GetAsync(IdpHost.Origin + "/error?reason=login");

        page.Document.QuerySelector(LogOutForm).Should().NotBeNull();
    }

    [Fact]
    public async Task LogOutForm_WithoutItsAntiforgeryToken_Is400_AndEndsNothing()
    {
        var pid = Flows.NewPid();
        var browser = hosts.Default.NewBrowser();
        var enroll = await Flows.ThroughIdPortenAsync(browser, IdpHost.Origin + "/account/login", pid);

        var refused = await browser.PostFormAsync(IdpHost.Origin + "/account/logout", []);

        refused.Status.Should().Be(HttpStatusCode.BadRequest);
        (await PendingLoginsAsync(hosts.Default, pid)).Should().Be(1, "a forged logout ends nothing");
        (await browser.GetAsync(IdpHost.Origin + "/account/enroll")).Address.AbsolutePath.Should().Be("/account/enroll");
        enroll.Status.Should().Be(HttpStatusCode.OK);
    }

    /// <summary>Presses "Log out" and checks where it lands: ID-porten's end_session_endpoint with the hint and the way back.</summary>
    private static async Task LogOutAtIdPortenAsync(TestBrowser browser, BrowserPage page)
    {
        page.Document.QuerySelector(LogOutForm).Should().NotBeNull("{0} offers Log out", page.Address.AbsolutePath);

        var atIdPorten = await browser.SubmitAsync(page, LogOutForm);

        atIdPorten.Address.AbsolutePath.Should().StartWith("/idporten-sim/", "{0}: {1}", atIdPorten.Status, atIdPorten.Body);
        var query = QueryHelpers.ParseQuery(atIdPorten.Address.Query);
        query.Should().ContainKey("id_token_hint");
        query["post_logout_redirect_uri"].ToString().Should().EndWith("/federation/idporten/logged-out");
        atIdPorten.Body.Should().Contain("Your login session has ended", "the hint named ID-porten's session");
        var back = await browser.GetAsync(atIdPorten.Document.QuerySelector("a[href]")!.GetAttribute("href")!);
        back.Address.AbsolutePath.Should().Be("/");
    }

    private static async Task<BrowserPage> ThroughIdPortenAsync(TestBrowser browser, string pid, string acr) =>
        await browser.SubmitAsync(await browser.SubmitAsync(await browser.GetAsync(IdpHost.Origin + "/account/login")),
            values: new Dictionary<string, string> { ["sim_pid"] = pid, ["sim_acr"] = acr });

    private static async Task<int> PendingLoginsAsync(IdpHost idp, string pid)
    {
        var userId = await AdminApi.UserIdAsync(idp, pid);
        return await AdminApi.InScopeAsync(idp, s => s.GetRequiredService<IdpDbContext>().PendingLogins.CountAsync(n => n.UserId == userId));
    }
}
