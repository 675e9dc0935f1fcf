using System.Net;
using Educloud.Idp.Data;
using Educloud.Idp.Tests.Infrastructure;
using Educloud.IdPortenSimulator;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Educloud.Idp.Tests.Sessions;

/// <summary>
/// Digdir's verification test 8 ("SLO etter timeout"): on the default settings the IdP session ends
/// after 30 idle minutes, and the person who comes back is logged out of ID-porten too (its
/// end_session_endpoint, with the id_token_hint) before a new login. On a FakeTimeProvider.
/// </summary>
public sealed class TimeoutLogoutTests : IDisposable
{
    private readonly FakeTimeProvider time = new(DateTimeOffset.UtcNow);
    private readonly IdpHost idp;

    public TimeoutLogoutTests() => idp = new IdpHost(time: time);

    public void Dispose() => idp.Dispose();

    [Fact]
    public async Task VerificationTest8_DefaultIdleTimeout_SessionLivesAt29Minutes()
    {
        var (browser, _) = await LoggedInAsync();

        time.Advance(TimeSpan.FromMinutes(29));

        await browser.GetAsync(Flows.AuthorizeUrl());
        Flows.RedirectParameters(browser).Should().ContainKey("code", "29 idle minutes are within the default 30");
    }

    [Fact]
    public async Task VerificationTest8_After30IdleMinutes_TheNextLoginPageLogsOutOfIdPortenFirst_ThenShowsTheLogin()
    {
        // ID-porten's SSO session is its own (the person may have used it for other services
        // meanwhile): here it outlives the IdP's, so the page shows that the hint's session ends.
        idp.Services.GetRequiredService<IOptionsMonitor<IdPortenSimulatorOptions>>().CurrentValue.SessionIdleTimeout = TimeSpan.FromHours(1);
        var (browser, pid) = await LoggedInAsync();

        time.Advance(TimeSpan.FromMinutes(31));
        var atIdPorten = await browser.GetAsync(Flows.AuthorizeUrl());

        atIdPorten.Address.AbsolutePath.Should().StartWith("/idporten-sim/", "the person is sent through ID-porten's logout first ({0})", atIdPorten.Status);
        var query = QueryHelpers.ParseQuery(atIdPorten.Address.Query);
        query.Should().ContainKey("id_token_hint").And.ContainKey("post_logout_redirect_uri");
        query["post_logout_redirect_uri"].ToString().Should().EndWith("/federation/idporten/logged-out");
        atIdPorten.Body.Should().Contain("Your login session has ended", "the id_token_hint named ID-porten's session, which ends");
        var userId = await AdminApi.UserIdAsync(idp, pid);
        (await SessionsAsync(userId)).Should().OnlyContain(s => s.EndedAt != null && s.UpstreamIdTokenProtected == null, "the timed-out session is ended, its id_token gone");

        var back = await browser.GetAsync(atIdPorten.Document.QuerySelector("a[href]")!.GetAttribute("href")!);

        back.Address.AbsolutePath.Should().Be("/account/login", "back to where the person was going");
        back.Status.Should().Be(HttpStatusCode.OK);
        back.Document.QuerySelector("form").Should().NotBeNull("the login form, a new login");
        (await browser.GetAsync(IdpHost.Origin + "/account/login")).Address.AbsolutePath.Should().Be("/account/login", "once: no second trip to ID-porten");
    }

    [Fact]
    public async Task AfterTheAbsoluteTimeout_TheStartPageLogsOutOfIdPortenFirst()
    {
        using var host = new IdpHost(new Dictionary<string, string?> { ["Session:AbsoluteTimeout"] = "01:00:00" }, time);
        var browser = host.NewBrowser();
        var pid = Flows.NewPid();
        (await Flows.LogInAtIdPortenAsync(browser, await browser.GetAsync(IdpHost.Origin + "/account/login"), pid)).Address.AbsolutePath.Should().Be("/");
        foreach (var minutes in new[] { 20, 20, 15 })
        {
            time.Advance(TimeSpan.FromMinutes(minutes));
            (await browser.GetAsync(IdpHost.Origin + "/")).Address.AbsolutePath.Should().Be("/", "in use, within the hour");
        }

        time.Advance(TimeSpan.FromMinutes(10));
        var atIdPorten = await browser.GetAsync(IdpHost.Origin + "/");

        atIdPorten.Address.AbsolutePath.Should().StartWith("/idporten-sim/", "65 minutes after login, the session is over");
        QueryHelpers.ParseQuery(atIdPorten.Address.Query).Should().ContainKey("id_token_hint");
    }

    [Fact]
    public async Task SessionEndedByLogout_IsNotSentToIdPortenAgain()
    {
        var (browser, _) = await LoggedInAsync();
        var start = await browser.GetAsync(IdpHost.Origin + "/");
        var atIdPorten = await browser.SubmitAsync(start, "form[action='/account/logout']");
        atIdPorten.Address.AbsolutePath.Should().StartWith("/idporten-sim/");

        time.Advance(TimeSpan.FromMinutes(31));
        var login = await browser.GetAsync(IdpHost.Origin + "/account/login");

        login.Address.AbsolutePath.Should().Be("/account/login", "nothing is left to end at ID-porten");
    }

    private async Task<(TestBrowser Browser, string Pid)> LoggedInAsync()
    {
        var browser = idp.NewBrowser();
        var pid = Flows.NewPid();
        var page = await Flows.LogInAtIdPortenAsync(browser, await browser.GetAsync(IdpHost.Origin + "/account/login"), pid);
        page.Address.AbsolutePath.Should().Be("/", page.Body);
        return (browser, pid);
    }

    private Task<List<UserSession>> SessionsAsync(string userId) =>
        AdminApi.InScopeAsync(idp, s => s.GetRequiredService<IdpDbContext>().Sessions.AsNoTracking().Where(x => x.UserId == userId).ToListAsync());
}
