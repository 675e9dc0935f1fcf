using System.Net;
using Educloud.Idp.Data;
using Educloud.Idp.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Educloud.Idp.Tests.Account;

/// <summary>The person's own page, /account (issue 12, part 4).</summary>
public sealed class AccountPageTests(AccountFixture fixture) : IClassFixture<AccountFixture>
{
    private IdpHost Idp => fixture.Idp;

    [Fact]
    public async Task WithoutASession_TheAccountPage_StartsALogin_ThatComesBackToIt()
    {
        var pid = Flows.NewPid();
        var browser = Idp.NewBrowser();

        var login = await browser.GetAsync(IdpHost.Origin + "/account");

        login.Address.AbsolutePath.Should().Be("/account/login");
        login.Document.QuerySelector("#sessions").Should().BeNull("nothing of the account page without a session");
        var after = await Flows.LogInAtIdPortenAsync(browser, login, pid);
        after.Address.AbsolutePath.Should().Be("/account", "the login comes back to the account page");
        after.Status.Should().Be(HttpStatusCode.OK);
        after.Document.QuerySelectorAll("#sessions li").Should().ContainSingle();
    }

    [Fact]
    public async Task TheStartPage_LinksTheAccountPage_WhenLoggedIn()
    {
        var browser = await fixture.LoggedInAsync(Flows.NewPid());

        var start = await browser.GetAsync(IdpHost.Origin + "/");

        start.Document.QuerySelector("a#your-account")!.GetAttribute("href").Should().Be("/account");
    }

    [Fact]
    public async Task AccountPage_ShowsTheAuthenticator_AddedAndLastUsed_AndTheWayToANewOne()
    {
        var browser = await fixture.LoggedInAsync(Flows.NewPid());

        var page = await browser.GetAsync(IdpHost.Origin + "/account");

        var facts = page.Document.QuerySelectorAll("#authenticator dd").Select(d => d.TextContent).ToList();
        facts.Should().HaveCount(2);
        facts.Should().NotContain("Not yet", "the code of this login was accepted by it");
        page.Document.QuerySelector("a[href='/account/new-code']")!.TextContent.Should().Be("Need a new one-time code?");
    }

    [Fact]
    public async Task AccountPage_ShowsOnlyThePersonsOwnSessionsAndEvents_InWords()
    {
        var pid = Flows.NewPid();
        var first = await fixture.LoggedInAsync(pid);
        var second = await fixture.LoggedInAsync(pid, Flows.High);
        var other = await fixture.LoggedInAsync(Flows.NewPid());
        var otherName = (await other.GetAsync(IdpHost.Origin + "/account")).Document.QuerySelector("p.muted strong")!.TextContent;

        var page = await second.GetAsync(IdpHost.Origin + "/account");

        var sessions = page.Document.QuerySelectorAll("#sessions li").ToList();
        sessions.Should().HaveCount(2, "this person's two sessions, not the other person's");
        sessions.Should().ContainSingle(s => s.GetAttribute("data-this") == "true").Which.TextContent.Should().Contain("ID-porten, high");
        sessions.Should().ContainSingle(s => s.GetAttribute("data-this") == "false").Which.TextContent.Should().Contain("ID-porten, substantial");
        page.Body.Should().NotContain("idporten-loa-", "levels are said in words");
        var events = page.Document.QuerySelectorAll("#events tbody tr").ToList();
        events.Where(e => e.GetAttribute("data-type") == AuditEventTypes.LoginSucceeded).Should().HaveCount(2, "this person's two logins, not the other's");
        events.Select(e => e.TextContent).Should().Contain(t => t.Contains("Authenticator app added"));
        page.Body.Should().NotContain(otherName);
        page.Body.Should().NotContain(pid, "never the pid");
    }

    [Fact]
    public async Task AccountPage_ShowsTheAppsOfEachSession_ByTheirNames()
    {
        var pid = Flows.NewPid();
        var browser = await fixture.LoggedInAsync(pid);
        var userId = await AdminApi.UserIdAsync(Idp, pid);
        // What the authorization endpoint records when it gives an app a login in this session.
        await AdminApi.InScopeAsync(Idp, async s =>
        {
            var db = s.GetRequiredService<IdpDbContext>();
            var session = await db.Sessions.Where(x => x.UserId == userId).Select(x => x.Id).SingleAsync();
            db.SessionApps.Add(new SessionApp { AuthorizationId = Guid.NewGuid().ToString(), SessionId = session, ClientId = IdpHost.AppClientId, IssuedAt = fixture.Time.GetUtcNow() });
            db.SessionApps.Add(new SessionApp { AuthorizationId = Guid.NewGuid().ToString(), SessionId = session, ClientId = IdpHost.PidAppClientId, IssuedAt = fixture.Time.GetUtcNow().AddSeconds(1) });
            return await db.SaveChangesAsync();
        });

        var page = await browser.GetAsync(IdpHost.Origin + "/account");

        page.Document.QuerySelector("#sessions li .apps")!.TextContent.Should().Be("Apps: Test research app, Test app allowed the pid");
    }

    [Fact]
    public async Task AccountPage_ShowsAtMostTheLast20Events()
    {
        var pid = Flows.NewPid();
        var browser = await fixture.LoggedInAsync(pid);
        var userId = await AdminApi.UserIdAsync(Idp, pid);
        await AdminApi.InScopeAsync(Idp, async s =>
        {
            var db = s.GetRequiredService<IdpDbContext>();
            db.AuditEvents.AddRange(Enumerable.Range(0, 30).Select(_ => new AuditEvent { At = fixture.Time.GetUtcNow(), Type = AuditEventTypes.TotpWrongCode, UserId = userId }));
            return await db.SaveChangesAsync();
        });

        var page = await browser.GetAsync(IdpHost.Origin + "/account");

        page.Document.QuerySelectorAll("#events tbody tr").Should().HaveCount(20);
    }

    [Fact]
    public async Task LogOutHere_EndsThisSessionOnly()
    {
        var pid = Flows.NewPid();
        var here = await fixture.LoggedInAsync(pid);
        var elsewhere = await fixture.LoggedInAsync(pid);
        var page = await here.GetAsync(IdpHost.Origin + "/account");

        await here.SubmitAsync(page, "form[action='/account/logout']");

        (await AccountFixture.HasSessionAsync(here)).Should().BeFalse("this session ended");
        (await AccountFixture.HasSessionAsync(elsewhere)).Should().BeTrue("the other browser's session lives on");
        var userId = await AdminApi.UserIdAsync(Idp, pid);
        (await fixture.EventsAsync(userId)).Should().ContainSingle(e => e.Type == AuditEventTypes.LogoutHere);
    }

    [Fact]
    public async Task LogOutEverywhere_EndsEverySessionOfThePerson_AndNoOneElses()
    {
        var pid = Flows.NewPid();
        var here = await fixture.LoggedInAsync(pid);
        var elsewhere = await fixture.LoggedInAsync(pid);
        var someoneElse = await fixture.LoggedInAsync(Flows.NewPid());
        var page = await here.GetAsync(IdpHost.Origin + "/account");

        await here.SubmitAsync(page, "form[action='/account?handler=everywhere']");

        (await AccountFixture.HasSessionAsync(here)).Should().BeFalse();
        (await AccountFixture.HasSessionAsync(elsewhere)).Should().BeFalse("every session of the person ends");
        (await AccountFixture.HasSessionAsync(someoneElse)).Should().BeTrue("another person's session is not theirs to end");
        var userId = await AdminApi.UserIdAsync(Idp, pid);
        (await OpenSessionsAsync(userId)).Should().Be(0);
        (await fixture.EventsAsync(userId)).Should().ContainSingle(e => e.Type == AuditEventTypes.LogoutEverywhere);
    }

    [Fact]
    public async Task LogOutEverywhere_WithoutTheAntiforgeryToken_Is400_AndEndsNothing()
    {
        var pid = Flows.NewPid();
        var here = await fixture.LoggedInAsync(pid);
        var elsewhere = await fixture.LoggedInAsync(pid);

        var forged = await here.PostFormAsync(IdpHost.Origin + "/account?handler=everywhere", []);

        forged.Status.Should().Be(HttpStatusCode.BadRequest);
        (await AccountFixture.HasSessionAsync(here)).Should().BeTrue();
        (await AccountFixture.HasSessionAsync(elsewhere)).Should().BeTrue();
        (await OpenSessionsAsync(await AdminApi.UserIdAsync(Idp, pid))).Should().Be(2);
    }

    [Fact]
    public async Task LogOutEverywhere_WithoutASession_EndsNothing()
    {
        var pid = Flows.NewPid();
        var elsewhere = await fixture.LoggedInAsync(pid);
        var stranger = Idp.NewBrowser();
        var login = await stranger.GetAsync(IdpHost.Origin + "/account");

        var post = await stranger.SendAsync(new HttpRequestMessage(HttpMethod.Post, IdpHost.Origin + "/account?handler=everywhere") { Content = new FormUrlEncodedContent([]) }, followRedirects: false);

        post.Status.Should().BeOneOf(HttpStatusCode.BadRequest, HttpStatusCode.Found);
        login.Address.AbsolutePath.Should().Be("/account/login");
        (await AccountFixture.HasSessionAsync(elsewhere)).Should().BeTrue();
    }

    private Task<int> OpenSessionsAsync(string userId) =>
        AdminApi.InScopeAsync(Idp, s => s.GetRequiredService<IdpDbContext>().Sessions.CountAsync(x => x.UserId == userId && x.EndedAt == null));
}
