extern alias console;

using System.Net;
using System.Text.RegularExpressions;
using Educloud.Idp.Connect;
using Educloud.Idp.Data;
using Educloud.Idp.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Options;
using ConsoleProgram = console::Program;

namespace Educloud.Idp.Admin.Tests;

/// <summary>The console in Bokmål (default), Nynorsk and English, chosen as on the IdP's pages (issue 13).</summary>
public sealed partial class ConsoleLanguageTests(ConsoleFixture fixture) : IClassFixture<ConsoleFixture>
{
    private static readonly TimeZoneInfo Oslo = TimeZoneInfo.FindSystemTimeZoneById("Europe/Oslo");

    [Fact]
    public async Task NoLanguageAsked_PageIsInBokmal()
    {
        var browser = fixture.Console.NewBrowser();
        browser.Headers.Remove("Accept-Language");

        var page = await browser.GetAsync(ConsoleHost.Origin + "/signed-out");

        page.Status.Should().Be(HttpStatusCode.OK, page.Body);
        page.Document.DocumentElement.GetAttribute("lang").Should().Be("nb");
        page.Document.QuerySelector("h1")!.TextContent.Should().Be("Du er logget ut");
        page.Body.Should().Contain("Logg inn igjen").And.Contain("brukerstøtte", "the footer's support contact, æøå as themselves");
    }

    [Fact]
    public async Task AcceptLanguageNynorsk_PageIsInNynorsk()
    {
        var browser = fixture.Console.NewBrowser();
        browser.Headers["Accept-Language"] = "nn-NO,nn;q=0.9,en;q=0.5";

        var page = await browser.GetAsync(ConsoleHost.Origin + "/signed-out");

        page.Document.DocumentElement.GetAttribute("lang").Should().Be("nn");
        page.Document.QuerySelector("h1")!.TextContent.Should().Be("Du er logga ut");
        page.Body.Should().Contain("Logg inn att").And.Contain("brukarstøtte");
    }

    [Fact]
    public async Task SwitcherLink_RemembersEnglish_OverTheBrowsersBokmal()
    {
        var browser = fixture.Console.NewBrowser();
        browser.Headers["Accept-Language"] = "nb";
        var norwegian = await browser.GetAsync(ConsoleHost.Origin + "/signed-out");
        norwegian.Document.QuerySelector(".languages [aria-current]")!.TextContent.Should().Be("Bokmål");
        var toEnglish = norwegian.Document.QuerySelector(".languages a[hreflang=en]")!.GetAttribute("href")!;

        var switched = await browser.GetAsync(new Uri(new Uri(ConsoleHost.Origin), toEnglish).AbsoluteUri);

        switched.Address.AbsolutePath.Should().Be("/signed-out", "the switcher comes back to the page");
        switched.Document.DocumentElement.GetAttribute("lang").Should().Be("en");
        switched.Document.QuerySelector("h1")!.TextContent.Should().Be("Signed out");
        (await browser.GetAsync(ConsoleHost.Origin + "/signed-out")).Document.DocumentElement.GetAttribute("lang")
            .Should().Be("en", "the choice is kept (a cookie), ahead of Accept-Language");
    }

    [Fact]
    public async Task SwitcherLink_WorksWithoutLogin()
    {
        var browser = fixture.Console.NewBrowser();

        var page = await browser.GetAsync(ConsoleHost.Origin + "/language?lang=nn&returnUrl=/signed-out");

        page.Address.AbsolutePath.Should().Be("/signed-out", "the console's fallback policy does not send the switcher to login");
        page.Document.DocumentElement.GetAttribute("lang").Should().Be("nn");
    }

    [Fact]
    public async Task AuditLog_InNynorsk_SaysEventsInNynorsk_AndTimesInOsloTime()
    {
        var (_, userId) = await fixture.PersonAsync();
        var (supportPid, _) = await fixture.PersonAsync(AdminRoles.Support);
        var (support, _) = await fixture.LogInToConsoleAsync(supportPid);
        support.Headers["Accept-Language"] = "nn";

        var page = await support.GetAsync(ConsoleHost.Origin + "/audit?userId=" + Uri.EscapeDataString(userId));

        page.Status.Should().Be(HttpStatusCode.OK, page.Body);
        page.Document.DocumentElement.GetAttribute("lang").Should().Be("nn");
        page.Document.QuerySelector("h1")!.TextContent.Should().Be("Hendingslogg");
        var rows = page.Document.QuerySelectorAll("table#audit tbody tr").ToList();
        rows.Select(r => r.QuerySelector(".what")!.TextContent).Should().Contain(["Logga inn", "Autentiseringsapp sett opp"]);
        rows.Single(r => r.GetAttribute("data-type") == AuditEventTypes.LoginSucceeded).QuerySelector(".reason")!.TextContent
            .Should().Be("ID-porten, betydeleg");

        // The row's time: the exact instant (UTC) for machines, Oslo wall-clock time in words for people.
        var time = rows[0].QuerySelector(".when time")!;
        var at = DateTimeOffset.Parse(time.GetAttribute("datetime")!, System.Globalization.CultureInfo.InvariantCulture);
        var oslo = TimeZoneInfo.ConvertTime(at, Oslo);
        var shown = NorwegianDateAndTime().Match(time.TextContent);
        shown.Success.Should().BeTrue($"'{time.TextContent}' reads like '2. desember 2026 kl. 11:05'");
        shown.Groups["day"].Value.Should().Be(oslo.Day.ToString(System.Globalization.CultureInfo.InvariantCulture));
        shown.Groups["time"].Value.Should().Be(oslo.ToString("HH:mm", System.Globalization.CultureInfo.InvariantCulture),
            "Oslo time (UTC+1 in winter, +2 in summer), not UTC");
        oslo.Offset.Should().NotBe(TimeSpan.Zero, "so the check above tells Oslo time from UTC");
        page.Body.Should().NotContain("UTC</");
    }

    [Fact]
    public async Task UserPage_InEnglish_ShowsTheCreationTimeInOsloTime()
    {
        var (_, userId) = await fixture.PersonAsync();
        var (supportPid, _) = await fixture.PersonAsync(AdminRoles.Support);
        var (support, _) = await fixture.LogInToConsoleAsync(supportPid);

        var page = await support.GetAsync(ConsoleHost.Origin + "/users/" + Uri.EscapeDataString(userId));

        page.Document.DocumentElement.GetAttribute("lang").Should().Be("en");
        var created = page.Document.QuerySelector(".who-created time")!;
        var oslo = TimeZoneInfo.ConvertTime(DateTimeOffset.Parse(created.GetAttribute("datetime")!, System.Globalization.CultureInfo.InvariantCulture), Oslo);
        created.TextContent.Should().EndWith(", " + oslo.ToString("HH:mm", System.Globalization.CultureInfo.InvariantCulture))
            .And.Contain(oslo.Year.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public void BadBrandingSetting_StopsTheConsoleAtStart_NamingTheKey()
    {
        using var console = new WebApplicationFactory<ConsoleProgram>().WithWebHostBuilder(builder =>
        {
            builder.UseEnvironment("Development");
            builder.UseSetting("Idp:Authority", IdpHost.Origin);
            builder.UseSetting("Idp:ClientSecret", ConsoleHost.Secret);
            builder.UseSetting("Branding:SupportUrl", "http://help.example.org/");
        });

        var start = () => console.Server;

        start.Should().Throw<OptionsValidationException>().WithMessage("*Branding:SupportUrl*");
    }

    [GeneratedRegex(@"^(?<day>\d{1,2})\. (januar|februar|mars|april|mai|juni|juli|august|september|oktober|november|desember) \d{4} kl\. (?<time>\d{2}:\d{2})$")]
    private static partial Regex NorwegianDateAndTime();
}
