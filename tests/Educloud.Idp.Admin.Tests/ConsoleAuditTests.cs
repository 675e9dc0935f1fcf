using System.Net;
using Educloud.Idp.Connect;
using Educloud.Idp.Data;
using Educloud.Idp.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Educloud.Idp.Admin.Tests;

/// <summary>The console's audit log: events in words, people by name, filtered by person through the search (issue 12, part 6).</summary>
public sealed class ConsoleAuditTests(ConsoleFixture fixture) : IClassFixture<ConsoleFixture>
{
    private IdpHost Idp => fixture.Idp;

    [Fact]
    public async Task AuditLog_SaysEventsInWords_AndShowsThePersonByUsername()
    {
        var (_, userId) = await fixture.PersonAsync();
        var userName = await UserNameAsync(userId);
        var (support, _) = await LogInAsSupportAsync();

        var page = await support.GetAsync(ConsoleHost.Origin + "/audit?userId=" + Uri.EscapeDataString(userId));

        page.Status.Should().Be(HttpStatusCode.OK, page.Body);
        var rows = page.Document.QuerySelectorAll("table#audit tbody tr").ToList();
        rows.Select(r => r.QuerySelector(".what")!.TextContent).Should().Contain(["Logged in", "Authenticator set up"]);
        rows.Should().OnlyContain(r => !r.QuerySelector(".what")!.TextContent.Contains('.'), "words, not totp.enrolled");
        rows.Should().OnlyContain(r => r.QuerySelector(".person a")!.TextContent == userName);
        rows.Single(r => r.GetAttribute("data-type") == AuditEventTypes.LoginSucceeded).QuerySelector(".reason")!.TextContent
            .Should().Be("ID-porten, substantial", "a login's level in words");
        page.Document.QuerySelector("input[name=person]")!.GetAttribute("value").Should().Be(userName, "the box says whose events these are");
    }

    [Fact]
    public async Task FilterByPerson_TheirUsernameInTheSearchBox_ShowsOnlyTheirEvents()
    {
        var (_, userId) = await fixture.PersonAsync();
        await fixture.PersonAsync();
        var userName = await UserNameAsync(userId);
        var (support, _) = await LogInAsSupportAsync();
        var audit = await support.GetAsync(ConsoleHost.Origin + "/audit");

        var page = await support.SubmitAsync(audit, "form.filter", new Dictionary<string, string> { ["person"] = userName.ToUpperInvariant() });

        var rows = page.Document.QuerySelectorAll("table#audit tbody tr").ToList();
        rows.Should().NotBeEmpty(page.Body);
        rows.Should().OnlyContain(r => r.QuerySelector(".person a")!.TextContent == userName);
        page.Address.Query.Should().NotContain("userId", "support types a person, not an id");
    }

    [Fact]
    public async Task FilterByPerson_SeveralMatch_TheyAreOffered_AndTheChosenOnesEventsShown()
    {
        var (_, first) = await fixture.PersonAsync();
        var (_, second) = await fixture.PersonAsync();
        var firstName = await UserNameAsync(first);
        var (support, _) = await LogInAsSupportAsync();

        var page = await support.GetAsync(ConsoleHost.Origin + "/audit?person=idporten-&type=" + AuditEventTypes.LoginSucceeded);

        page.Document.QuerySelector("table#audit").Should().BeNull("no events until one person is chosen");
        var offered = page.Document.QuerySelectorAll("#candidates a").ToList();
        offered.Select(a => a.TextContent).Should().Contain([firstName, await UserNameAsync(second)]);
        var chosen = await support.GetAsync(new Uri(page.Address, offered.Single(a => a.TextContent == firstName).GetAttribute("href")).AbsoluteUri);
        var rows = chosen.Document.QuerySelectorAll("table#audit tbody tr").ToList();
        rows.Should().ContainSingle(chosen.Body).Which.QuerySelector(".person a")!.TextContent.Should().Be(firstName);
        rows[0].GetAttribute("data-type").Should().Be(AuditEventTypes.LoginSucceeded, "the rest of the filter is kept");
    }

    [Fact]
    public async Task FilterByPerson_NoOneMatches_SaysSo()
    {
        var (support, _) = await LogInAsSupportAsync();

        var page = await support.GetAsync(ConsoleHost.Origin + "/audit?person=nobody-by-this-name");

        page.Status.Should().Be(HttpStatusCode.OK);
        page.Document.QuerySelector("#no-one").Should().NotBeNull(page.Body);
        page.Document.QuerySelector("table#audit").Should().BeNull();
    }

    [Fact]
    public async Task TheTypeFilter_OffersEveryEventTypeInWords()
    {
        var (support, _) = await LogInAsSupportAsync();

        var page = await support.GetAsync(ConsoleHost.Origin + "/audit");

        var options = page.Document.QuerySelectorAll("select[name=type] option").Where(o => o.GetAttribute("value") != "").ToList();
        options.Select(o => o.GetAttribute("value")).Should().Contain([AuditEventTypes.TotpRefusedLocked, AuditEventTypes.LogoutTimeout, AuditEventTypes.LoginSucceeded]);
        options.Should().OnlyContain(o => o.TextContent != o.GetAttribute("value"), "each type has its words");
    }

    [Fact]
    public async Task NoAccessPage_ShowsNoNavigationToScreensThePersonMayNotUse()
    {
        var (pid, _) = await fixture.PersonAsync(role: null);

        var (_, page) = await fixture.LogInToConsoleAsync(pid);

        page.Address.AbsolutePath.Should().Be("/forbidden");
        page.Document.QuerySelector("header nav.main-nav").Should().BeNull(page.Body);
        page.Document.QuerySelectorAll("a[href='/audit'], a[href='/users/new'], a[href='/apps']").Should().BeEmpty();
        page.Document.QuerySelector("form[action='/signout']").Should().NotBeNull("signing out is still offered");
    }

    [Fact]
    public async Task SupportOnAnAdminScreen_SeesTheirOwnScreensInTheNavigation_NotTheAdmins()
    {
        var (support, _) = await LogInAsSupportAsync();

        var page = await support.GetAsync(ConsoleHost.Origin + "/apps");

        page.Address.AbsolutePath.Should().Be("/forbidden");
        page.Document.QuerySelector("header nav a[href='/audit']").Should().NotBeNull();
        page.Document.QuerySelector("header nav a[href='/apps']").Should().BeNull();
    }

    private async Task<(TestBrowser Browser, BrowserPage Page)> LogInAsSupportAsync()
    {
        var (pid, _) = await fixture.PersonAsync(AdminRoles.Support);
        return await fixture.LogInToConsoleAsync(pid);
    }

    private async Task<string> UserNameAsync(string userId) =>
        (await AdminApi.InScopeAsync(Idp, s => s.GetRequiredService<IdpDbContext>().Users.Where(u => u.Id == userId).Select(u => u.UserName).SingleAsync()))!;
}
