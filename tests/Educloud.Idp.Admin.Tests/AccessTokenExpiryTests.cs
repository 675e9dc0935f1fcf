using System.Net;
using Educloud.Idp.Connect;
using Microsoft.Extensions.Time.Testing;

namespace Educloud.Idp.Admin.Tests;

public sealed class ConsoleWithFakeClockFixture() : ConsoleFixture(new FakeTimeProvider(DateTimeOffset.UtcNow))
{
    public FakeTimeProvider ConsoleClock => (FakeTimeProvider)Console.Services.GetService(typeof(TimeProvider))!;
}

/// <summary>The console never uses an expired access token: it logs the person in again first.</summary>
public sealed class AccessTokenExpiryTests(ConsoleWithFakeClockFixture fixture) : IClassFixture<ConsoleWithFakeClockFixture>
{
    [Fact]
    public async Task AccessTokenExpired_NextRequestLogsInAgainSilently_AndTheSearchWorks()
    {
        var (pid, _) = await fixture.PersonAsync(AdminRoles.Support);
        var (browser, start) = await fixture.LogInToConsoleAsync(pid);
        start.Status.Should().Be(HttpStatusCode.OK, start.Body);
        var before = CookieValue(browser);

        // The IdP's access tokens live 10 minutes.
        fixture.ConsoleClock.Advance(TimeSpan.FromMinutes(11));
        var page = await browser.GetAsync(ConsoleHost.Origin + "/?q=" + pid);

        page.Status.Should().Be(HttpStatusCode.OK, page.Body);
        page.Address.AbsolutePath.Should().Be("/");
        page.Document.QuerySelectorAll("table.results a").Should().ContainSingle();
        CookieValue(browser).Should().NotBe(before, "a new login (through the IdP session) replaced the console's cookie");
    }

    // The login cookie is chunked (it holds the tokens): all its parts together.
    private static string CookieValue(Educloud.Idp.Tests.Infrastructure.TestBrowser browser) =>
        string.Concat(browser.Cookies.GetCookies(new Uri(ConsoleHost.Origin))
            .Where(c => c.Name.StartsWith("educloud-console", StringComparison.Ordinal) && !c.Name.EndsWith("-af", StringComparison.Ordinal))
            .OrderBy(c => c.Name, StringComparer.Ordinal).Select(c => c.Value));
}
