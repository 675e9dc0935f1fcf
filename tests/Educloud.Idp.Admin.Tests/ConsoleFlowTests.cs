using System.Net;
using Educloud.Idp.Connect;
using Educloud.Idp.Data;
using Educloud.Idp.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Educloud.Idp.Admin.Tests;

/// <summary>The support console end to end: a browser, the console and the IdP, all in-process.</summary>
public sealed class ConsoleFlowTests(ConsoleFixture fixture) : IClassFixture<ConsoleFixture>
{
    private IdpHost Idp => fixture.Idp;

    [Fact]
    public async Task AdminRevokesThroughTheConsole_TokensSessionAndFactorAreGone_NextLoginEnrolls_AuditPageShowsWhoAndWhy()
    {
        // The person who calls support: logged in to an app, holding a refresh token and an IdP session.
        var pid = Flows.NewPid();
        var (personBrowser, refreshToken) = await LogInToAppAsync(pid);
        var userId = await AdminApi.UserIdAsync(Idp, pid);

        // The admin logs in to the console through the IdP (ID-porten + one-time code).
        var (adminPid, adminId) = await fixture.PersonAsync(AdminRoles.Admin);
        var (admin, start) = await fixture.LogInToConsoleAsync(adminPid);
        start.Status.Should().Be(HttpStatusCode.OK, start.Body);
        start.Address.Should().Be(new Uri(ConsoleHost.Origin + "/"));
        start.Document.QuerySelector("input[name=q]").Should().NotBeNull();

        // One search box: the national identity number finds exactly them.
        var results = await admin.SubmitAsync(start, "form[role=search]", new Dictionary<string, string> { ["q"] = pid });
        results.Status.Should().Be(HttpStatusCode.OK, results.Body);
        var links = results.Document.QuerySelectorAll("table.results a").ToList();
        links.Should().ContainSingle(results.Body);

        // Their page: the authenticator is active, and they have a session.
        var details = await admin.GetAsync(new Uri(results.Address, links[0].GetAttribute("href")).AbsoluteUri);
        details.Status.Should().Be(HttpStatusCode.OK, details.Body);
        details.Document.QuerySelector("#authenticator-state")!.TextContent.Should().Be("active");
        details.Document.QuerySelector("#authenticator-last-used")!.TextContent.Should().NotBe("never");
        details.Document.QuerySelector("table#sessions").Should().NotBeNull("they are logged in");

        // The confirmation page repeats who, and does nothing without a reason.
        var revokeLink = details.Document.QuerySelectorAll("a").Single(a => a.TextContent.StartsWith("Revoke authenticator", StringComparison.Ordinal));
        var confirm = await admin.GetAsync(new Uri(details.Address, revokeLink.GetAttribute("href")).AbsoluteUri);
        confirm.Status.Should().Be(HttpStatusCode.OK, confirm.Body);
        var username = confirm.Document.QuerySelector(".who-username")!.TextContent;
        username.Should().StartWith("idporten-");
        confirm.Document.QuerySelector(".who-created")!.TextContent.Should().NotBeNullOrWhiteSpace();
        confirm.Document.QuerySelector("main form[method=post] input[name=__RequestVerificationToken]").Should().NotBeNull("actions are POST with antiforgery");

        var refused = await admin.SubmitAsync(confirm, "main form[method=post]", new Dictionary<string, string> { ["Input.Reason"] = "  " });
        refused.Status.Should().Be(HttpStatusCode.BadRequest, refused.Body);
        refused.Body.Should().Contain("a reason is required");
        (await ActiveFactorsAsync(userId)).Should().Be(1, "nothing is done without a reason");

        var done = await admin.SubmitAsync(confirm, "main form[method=post]", new Dictionary<string, string> { ["Input.Reason"] = "phone stolen (ticket 4711)" });
        done.Status.Should().Be(HttpStatusCode.OK, done.Body);
        done.Document.QuerySelector("#result")!.TextContent.Should().Contain("authenticator is revoked").And.Contain(username);

        // Their refresh token fails, their IdP session is gone, and their next login enrolls.
        using var backchannel = Idp.NewBackchannel();
        var (refreshStatus, refreshed) = await Flows.RefreshAsync(backchannel, refreshToken);
        refreshStatus.Should().Be(400, refreshed.ToString());
        refreshed.GetProperty("error").GetString().Should().Be("invalid_grant");
        var login = await personBrowser.GetAsync(Flows.AuthorizeUrl());
        login.Address.AbsolutePath.Should().Be("/account/login", "their IdP session has ended");
        var simulator = await personBrowser.SubmitAsync(login);
        var next = await personBrowser.SubmitAsync(simulator, values: new Dictionary<string, string>
        {
            ["sim_pid"] = pid,
            ["sim_pid_other"] = "",
            ["sim_acr"] = Flows.Substantial,
        });
        next.Address.AbsolutePath.Should().Be("/account/enroll", next.Body);

        // The details page now says so, and the audit page shows who did it and why.
        var after = await admin.GetAsync(details.Address.AbsoluteUri);
        after.Document.QuerySelector("#authenticator-state")!.TextContent.Should().Be("none");
        var audit = await admin.GetAsync(ConsoleHost.Origin + "/audit?userId=" + Uri.EscapeDataString(userId) + "&type=" + AuditEventTypes.AuthenticatorRevoked);
        audit.Status.Should().Be(HttpStatusCode.OK, audit.Body);
        var row = audit.Document.QuerySelectorAll("table#audit tbody tr").Should().ContainSingle(audit.Body).Subject;
        var adminName = await AdminApi.InScopeAsync(Idp, s => s.GetRequiredService<IdpDbContext>().Users.Where(u => u.Id == adminId).Select(u => u.UserName).SingleAsync());
        row.QuerySelector(".actor")!.TextContent.Should().Contain(adminName!).And.Contain("admin");
        row.QuerySelector(".reason")!.TextContent.Should().Be("phone stolen (ticket 4711)");

        // The CSV export goes through the console too.
        var csv = await admin.GetAsync(ConsoleHost.Origin + "/audit?handler=export&userId=" + Uri.EscapeDataString(userId));
        csv.Status.Should().Be(HttpStatusCode.OK);
        csv.Response.Content.Headers.ContentType!.MediaType.Should().Be("text/csv");
        csv.Body.Should().Contain("phone stolen (ticket 4711)");
    }

    [Fact]
    public async Task PersonWithoutRole_LogsIn_GetsAClear403Page()
    {
        var (pid, _) = await fixture.PersonAsync(role: null);
        var (_, page) = await fixture.LogInToConsoleAsync(pid);

        page.Status.Should().Be(HttpStatusCode.Forbidden, page.Body);
        page.Address.AbsolutePath.Should().Be("/forbidden");
        page.Document.QuerySelector("h1")!.TextContent.Should().Be("No access to the support console");
        page.Body.Should().Contain("grant-role");
    }

    [Fact]
    public async Task SupportConfirmsWithoutReason_Gets400_AndNothingIsDone()
    {
        var (pid, userId) = await fixture.PersonAsync();
        var (supportPid, _) = await fixture.PersonAsync(AdminRoles.Support);
        var (support, _) = await fixture.LogInToConsoleAsync(supportPid);

        var confirm = await support.GetAsync($"{ConsoleHost.Origin}/users/{userId}/revoke-authenticator");
        confirm.Status.Should().Be(HttpStatusCode.OK, confirm.Body);
        var refused = await support.SubmitAsync(confirm, "main form[method=post]", new Dictionary<string, string> { ["Input.Reason"] = "" });

        refused.Status.Should().Be(HttpStatusCode.BadRequest, refused.Body);
        refused.Document.QuerySelector(".who-username")!.TextContent.Should().StartWith("idporten-", "the page still says who");
        (await ActiveFactorsAsync(userId)).Should().Be(1);
        _ = pid;
    }

    [Fact]
    public async Task SignOut_EndsTheConsoleTheIdpAndIdPorten_ThenSaysSo()
    {
        var (supportPid, _) = await fixture.PersonAsync(AdminRoles.Support);
        var (support, start) = await fixture.LogInToConsoleAsync(supportPid);

        // The console's button: its own cookie, then the IdP's end session, then ID-porten's logout page.
        var atIdPorten = await support.SubmitAsync(start, "form.signout");

        atIdPorten.Status.Should().Be(HttpStatusCode.OK, atIdPorten.Body);
        atIdPorten.Address.AbsolutePath.Should().StartWith("/idporten-sim/");
        atIdPorten.Body.Should().Contain("Your login session has ended");
        var signedOut = await support.GetAsync(atIdPorten.Document.QuerySelector("a[href]")!.GetAttribute("href")!);
        signedOut.Address.GetLeftPart(UriPartial.Path).Should().Be(ConsoleHost.Origin + "/signed-out");
        var again = await support.GetAsync(ConsoleHost.Origin + "/");
        again.Address.AbsolutePath.Should().Be("/account/login", "neither the console nor the IdP remembers the person");
    }

    [Fact]
    public async Task PostWithoutAntiforgeryToken_IsRefused_AndNothingIsDone()
    {
        var (_, userId) = await fixture.PersonAsync();
        var (adminPid, _) = await fixture.PersonAsync(AdminRoles.Admin);
        var (admin, _) = await fixture.LogInToConsoleAsync(adminPid);

        var page = await admin.PostFormAsync($"{ConsoleHost.Origin}/users/{userId}/revoke-authenticator",
            [new("Input.Reason", "forged")]);

        page.Status.Should().Be(HttpStatusCode.BadRequest);
        (await ActiveFactorsAsync(userId)).Should().Be(1);
    }

    [Fact]
    public async Task UnknownPerson_ShowsTheApisProblemAsAPage()
    {
        var (adminPid, _) = await fixture.PersonAsync(AdminRoles.Support);
        var (admin, _) = await fixture.LogInToConsoleAsync(adminPid);

        var page = await admin.GetAsync(ConsoleHost.Origin + "/users/no-such-person");

        page.Status.Should().Be(HttpStatusCode.NotFound, page.Body);
        page.Document.QuerySelector("h1")!.TextContent.Should().Be("No such user.");
    }

    [Fact]
    public async Task EveryPage_SendsSecurityHeaders_AndNoScript()
    {
        var browser = fixture.Console.NewBrowser();
        var page = await browser.GetAsync(ConsoleHost.Origin + "/signed-out");

        var csp = page.Response.Headers.GetValues("Content-Security-Policy").Single();
        csp.Should().Contain("script-src 'none'").And.Contain("frame-ancestors 'none'");
        page.Document.QuerySelectorAll("script").Should().BeEmpty();
    }

    [Fact]
    public async Task SupportCreatesLocalUser_AndIssuesAnEnrollmentCode_ShownOnce()
    {
        var (supportPid, _) = await fixture.PersonAsync(AdminRoles.Support);
        var (support, _) = await fixture.LogInToConsoleAsync(supportPid);
        var userName = "kari." + Guid.NewGuid().ToString("N")[..8];

        var form = await support.GetAsync(ConsoleHost.Origin + "/users/new");
        var created = await support.SubmitAsync(form, "main form[method=post]", new Dictionary<string, string>
        {
            ["Input.UserName"] = userName,
            ["Input.DisplayName"] = "Kari Nordmann",
            ["Input.Email"] = "",
            ["Input.Reason"] = "no ID-porten (ticket 12)",
        });
        created.Status.Should().Be(HttpStatusCode.OK, created.Body);
        var issueLink = created.Document.QuerySelectorAll("a").Single(a => a.TextContent.StartsWith("Issue enrollment code", StringComparison.Ordinal));

        var confirm = await support.GetAsync(new Uri(created.Address, issueLink.GetAttribute("href")).AbsoluteUri);
        confirm.Document.QuerySelector(".who-username")!.TextContent.Should().Be(userName);
        var issued = await support.SubmitAsync(confirm, "main form[method=post]", new Dictionary<string, string> { ["Input.Reason"] = "first code" });
        issued.Status.Should().Be(HttpStatusCode.OK, issued.Body);
        issued.Document.QuerySelector("#enrollment-code")!.TextContent.Should().NotBeNullOrWhiteSpace();
    }

    [Fact]
    public async Task SupportLooksAtAnAdmin_NoActionsOffered_PostAnyway_SeesTheRefusal_NothingDone()
    {
        var (_, adminId) = await fixture.PersonAsync(AdminRoles.Admin);
        var (supportPid, _) = await fixture.PersonAsync(AdminRoles.Support);
        var (support, start) = await fixture.LogInToConsoleAsync(supportPid);

        // Their page says plainly that only an admin can change them, and offers no action.
        var details = await support.GetAsync($"{ConsoleHost.Origin}/users/{adminId}");
        details.Status.Should().Be(HttpStatusCode.OK, details.Body);
        details.Document.QuerySelector("#admin-only")!.TextContent.Should().Contain("Only an admin can change a person who has a role");
        string[] operations = ["revoke-authenticator", "end-sessions", "unlock", "enrollment-code"];
        details.Document.QuerySelectorAll("a").Select(a => a.GetAttribute("href") ?? "")
            .Should().NotContain(href => operations.Any(o => href.EndsWith("/" + o, StringComparison.Ordinal)));

        // The confirmation page, reached by its address, offers no form either.
        var confirm = await support.GetAsync($"{ConsoleHost.Origin}/users/{adminId}/revoke-authenticator");
        confirm.Status.Should().Be(HttpStatusCode.Forbidden, confirm.Body);
        confirm.Document.QuerySelector("main form[method=post]").Should().BeNull();
        confirm.Document.QuerySelector("#refused")!.TextContent.Should().Contain("Only an admin can change a person who has a role");

        // Posting anyway (a valid antiforgery token from another form): the API refuses, the page says so, never a 500.
        var token = start.Document.QuerySelector("form.signout input[name=__RequestVerificationToken]")!.GetAttribute("value")!;
        foreach (var operation in operations)
        {
            var posted = await support.PostFormAsync($"{ConsoleHost.Origin}/users/{adminId}/{operation}",
                [new("Input.Reason", "they called"), new("__RequestVerificationToken", token)]);
            posted.Status.Should().Be(HttpStatusCode.Forbidden, operation + ": " + posted.Body);
            posted.Document.QuerySelector("#refused")!.TextContent.Should().Contain("Only an admin can change a person who has a role").And.Contain("Nothing was changed");
        }

        (await ActiveFactorsAsync(adminId)).Should().Be(1);
    }

    private async Task<(TestBrowser Browser, string RefreshToken)> LogInToAppAsync(string pid)
    {
        var browser = Idp.NewBrowser();
        await Flows.LogInAtIdPortenAsync(browser, await browser.GetAsync(IdpHost.Origin + "/account/login"), pid);
        var pkce = Pkce.New();
        await browser.GetAsync(Flows.AuthorizeUrl(pkce: pkce));
        using var backchannel = Idp.NewBackchannel();
        var (status, tokens) = await Flows.RedeemCodeAsync(backchannel, Flows.RedirectParameters(browser)["code"], pkce);
        status.Should().Be(200, tokens.ToString());
        return (browser, tokens.GetProperty("refresh_token").GetString()!);
    }

    private Task<int> ActiveFactorsAsync(string userId) =>
        AdminApi.InScopeAsync(Idp, s => s.GetRequiredService<IdpDbContext>().TotpFactors.CountAsync(f => f.UserId == userId && f.State == Educloud.Idp.Totp.TotpFactorState.Active));
}

/// <summary>When the IdP stops honouring the console's access token, the console sends the person to log in again.</summary>
public sealed class ConsoleReLoginTests(ConsoleFixture fixture) : IClassFixture<ConsoleFixture>
{
    [Fact]
    public async Task ApiAnswers401_ConsoleSendsThePersonToLogInAgain()
    {
        var (supportPid, supportId) = await fixture.PersonAsync(AdminRoles.Support);
        var (support, start) = await fixture.LogInToConsoleAsync(supportPid);
        start.Status.Should().Be(HttpStatusCode.OK, start.Body);

        // Another admin revokes this support person's own authenticator: their tokens are revoked.
        var (adminPid, _) = await fixture.PersonAsync(AdminRoles.Admin);
        var (admin, _) = await fixture.LogInToConsoleAsync(adminPid);
        var confirm = await admin.GetAsync($"{ConsoleHost.Origin}/users/{supportId}/revoke-authenticator");
        (await admin.SubmitAsync(confirm, "main form[method=post]", new Dictionary<string, string> { ["Input.Reason"] = "left the team" }))
            .Status.Should().Be(HttpStatusCode.OK);

        var page = await support.GetAsync(ConsoleHost.Origin + "/?q=someone");

        page.Address.Host.Should().Be(new Uri(IdpHost.Origin).Host);
        page.Address.AbsolutePath.Should().Be("/account/login", "their IdP session is gone too, so they log in afresh");
    }
}
