using Educloud.Idp.Logout;
using Educloud.Idp.Tests.Federation.Digdir;
using Educloud.Idp.Tests.Infrastructure;
using Educloud.IdPortenSimulator;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;

namespace Educloud.ResearchApp.Tests;

/// <summary>
/// One IdP (with the sample app registered, its back-channel logout URI included) and one sample
/// app, on one clock. The IdP's logout tokens go into the sample's TestServer (or into
/// <see cref="LogoutTarget"/> when a test starts another sample app); ID-porten's simulator also
/// knows another service (Digdir's test service), whose logout at ID-porten ends the person's
/// ID-porten session. The fixture's tests never move the clock; tests that do start their own pair
/// (<see cref="StartAsync"/>).
/// </summary>
public sealed class ResearchAppFixture : IAsyncLifetime, IAsyncDisposable
{
    /// <summary>What the fixture's app asks for: above the IdP's configured minimum, so a test can see it was asked.</summary>
    public const string AskedLevel = Flows.High;

    public ResearchAppFixture()
        : this(null)
    {
    }

    private ResearchAppFixture(IDictionary<string, string?>? idpSettings)
    {
        Clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var settings = ResearchAppHost.IdpRegistration(5);
        foreach (var (key, value) in idpSettings ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }

        Idp = new IdpHost(settings, Clock)
        {
            TestServices = services =>
            {
                // The tests deliver the outbox themselves (Sender), when they choose: no background loop
                // racing them when the clock moves.
                services.Remove(services.Single(d => d.ServiceType == typeof(IHostedService) && d.ImplementationType == typeof(LogoutSenderLoop)));
                services.AddHttpClient(LogoutSender.HttpClientName).ConfigurePrimaryHttpMessageHandler(() => (LogoutTarget ?? App)!.Server.CreateHandler());
                services.Configure<IdPortenSimulatorOptions>(simulator => simulator.Clients.Add(OtherService.Registration()));
            },
        };
        App = NewApp();
    }

    public FakeTimeProvider Clock { get; }

    public IdpHost Idp { get; }

    public ResearchAppHost App { get; }

    /// <summary>Where the IdP's logout tokens go instead of <see cref="App"/> (set before the first delivery).</summary>
    public ResearchAppHost? LogoutTarget { get; set; }

    /// <summary>The IdP's sender of logout tokens (the outbox), driven by the tests.</summary>
    public LogoutSender Sender => Idp.Services.GetRequiredService<LogoutSender>();

    /// <summary>A fresh IdP and sample app on their own clock, for a test that moves time.</summary>
    public static async Task<ResearchAppFixture> StartAsync(IDictionary<string, string?>? idpSettings = null)
    {
        var pair = new ResearchAppFixture(idpSettings);
        await pair.InitializeAsync();
        return pair;
    }

    /// <summary>Another instance of the sample app against this IdP (e.g. registered through the admin API).</summary>
    public ResearchAppHost NewApp(IDictionary<string, string?>? settings = null)
    {
        var all = new Dictionary<string, string?> { ["Idp:AcrValues"] = AskedLevel };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            all[key] = value;
        }

        return new ResearchAppHost(Idp, Clock, all);
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
    public async Task<(TestBrowser Browser, BrowserPage Home, string Pid)> LogInAsync(ResearchAppHost? app = null)
    {
        app ??= App;
        var pid = Flows.NewPid();
        var browser = app.NewBrowser();
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
