using Educloud.Idp.Tests.Infrastructure;
using Microsoft.Extensions.Time.Testing;

namespace Educloud.Idp.Tests.Sessions;

/// <summary>Idle and absolute session timeouts (NIST 800-63B rev 4 AAL2), on a FakeTimeProvider.</summary>
public sealed class SessionTimeoutTests : IDisposable
{
    private readonly FakeTimeProvider time = new(DateTimeOffset.UtcNow);
    private readonly IdpHost idp;

    public SessionTimeoutTests() => idp = new IdpHost(new Dictionary<string, string?>
    {
        ["Session:IdleTimeout"] = "01:00:00",
        ["Session:AbsoluteTimeout"] = "03:00:00",
    }, time);

    public void Dispose() => idp.Dispose();

    [Fact]
    public async Task SessionUnusedForMoreThanTheIdleTimeout_IsGone()
    {
        var browser = await LoggedInAsync();
        (await browser.GetAsync(Flows.AuthorizeUrl())).Address.AbsolutePath.Should().Be("/connect/authorize");

        time.Advance(TimeSpan.FromMinutes(61));

        (await ThroughIdPortensLogoutAsync(browser, await browser.GetAsync(Flows.AuthorizeUrl()))).Address.AbsolutePath.Should().Be("/account/login");
    }

    [Fact]
    public async Task SessionInUse_EndsAtTheAbsoluteTimeout()
    {
        var browser = await LoggedInAsync();
        for (var i = 0; i < 4; i++)
        {
            time.Advance(TimeSpan.FromMinutes(40));
            (await browser.GetAsync(Flows.AuthorizeUrl())).Address.AbsolutePath.Should().Be("/connect/authorize", $"in use after {(i + 1) * 40} min");
        }

        time.Advance(TimeSpan.FromMinutes(30));

        (await ThroughIdPortensLogoutAsync(browser, await browser.GetAsync(Flows.AuthorizeUrl()))).Address.AbsolutePath.Should().Be("/account/login", "3 h after login the session ends whatever happens");
    }

    /// <summary>
    /// A timed-out session sends the person through ID-porten's logout first (Digdir's test 8,
    /// <see cref="TimeoutLogoutTests"/>), then on to the page they asked for.
    /// </summary>
    private static async Task<BrowserPage> ThroughIdPortensLogoutAsync(TestBrowser browser, BrowserPage page)
    {
        page.Address.AbsolutePath.Should().StartWith("/idporten-sim/", "a timed-out session is ended at ID-porten too");
        return await browser.GetAsync(page.Document.QuerySelector("a[href]")!.GetAttribute("href")!);
    }

    private async Task<TestBrowser> LoggedInAsync()
    {
        var browser = idp.NewBrowser();
        var page = await Flows.LogInAtIdPortenAsync(browser, await browser.GetAsync(IdpHost.Origin + "/account/login"), Flows.NewPid());
        page.Address.AbsolutePath.Should().Be("/", page.Body);
        return browser;
    }
}
