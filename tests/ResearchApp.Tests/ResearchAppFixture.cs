using Educloud.Idp.Tests.Infrastructure;
using Microsoft.Extensions.Time.Testing;

namespace Educloud.ResearchApp.Tests;

/// <summary>
/// One IdP (with the sample app registered) and one sample app, on one clock. The fixture's tests
/// never move the clock; tests that do start their own pair (<see cref="StartAsync"/>).
/// </summary>
public sealed class ResearchAppFixture : IAsyncLifetime, IAsyncDisposable
{
    /// <summary>What the fixture's app asks for: above the IdP's configured minimum, so a test can see it was asked.</summary>
    public const string AskedLevel = Flows.High;

    public ResearchAppFixture()
    {
        Clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        Idp = new IdpHost(ResearchAppHost.IdpRegistration(5), Clock);
        App = new ResearchAppHost(Idp, Clock, new Dictionary<string, string?> { ["Idp:AcrValues"] = AskedLevel });
    }

    public FakeTimeProvider Clock { get; }

    public IdpHost Idp { get; }

    public ResearchAppHost App { get; }

    /// <summary>A fresh IdP and sample app on their own clock, for a test that moves time.</summary>
    public static async Task<ResearchAppFixture> StartAsync()
    {
        var pair = new ResearchAppFixture();
        await pair.InitializeAsync();
        return pair;
    }

    public Task InitializeAsync()
    {
        _ = Idp.Server;
        _ = App.Server;
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await App.DisposeAsync();
        Idp.Dispose();
    }

    ValueTask IAsyncDisposable.DisposeAsync() => new(DisposeAsync());

    /// <summary>A new person logs in to the sample app (ID-porten simulator and one-time code): the browser and the app's home page.</summary>
    public async Task<(TestBrowser Browser, BrowserPage Home, string Pid)> LogInAsync()
    {
        var pid = Flows.NewPid();
        var browser = App.NewBrowser();
        var login = await browser.GetAsync(ResearchAppHost.Origin + "/login");
        var home = await Flows.LogInAtIdPortenAsync(browser, login, pid, AskedLevel);
        home.Address.Should().Be(new Uri(ResearchAppHost.Origin + "/"), home.Body);
        return (browser, home, pid);
    }

    /// <summary>The app's home page as the browser sees it now.</summary>
    public Task<BrowserPage> HomeAsync(TestBrowser browser) => browser.GetAsync(ResearchAppHost.Origin + "/");
}

/// <summary>What the sample's home page says.</summary>
public static class HomePage
{
    public static bool AsksToLogIn(BrowserPage page) => page.Document.QuerySelector("a#login") is not null;

    public static string Field(BrowserPage page, string id) =>
        page.Document.QuerySelector("#" + id)?.TextContent.Trim() ?? throw new InvalidOperationException($"No #{id} on {page.Address}:\n{page.Body}");
}
