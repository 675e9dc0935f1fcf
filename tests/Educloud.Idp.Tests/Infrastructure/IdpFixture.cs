using System.Text.Json;

namespace Educloud.Idp.Tests.Infrastructure;

/// <summary>One IdP per test class (starting one costs a migration); tests use their own browsers and people.</summary>
public class IdpFixture : IAsyncLifetime
{
    public IdpFixture()
        : this(TestDatabase.Sqlite)
    {
    }

    protected IdpFixture(TestDatabase database)
        : this(new IdpHost(database: database))
    {
    }

    /// <summary>A host set up by a subclass (e.g. on a FakeTimeProvider).</summary>
    protected IdpFixture(IdpHost idp) => Idp = idp;

    public IdpHost Idp { get; }

    public Task InitializeAsync()
    {
        _ = Idp.Server;
        return Task.CompletedTask;
    }

    public Task DisposeAsync()
    {
        Idp.Dispose();
        return Task.CompletedTask;
    }

    /// <summary>A browser with an IdP session (logged in through the simulator from the start page).</summary>
    public async Task<TestBrowser> LoggedInBrowserAsync(string? pid = null, string acr = Flows.Substantial)
    {
        // A new person each time by default: each login spends a one-time code of that person.
        pid ??= Flows.NewPid();
        var browser = Idp.NewBrowser();
        var page = await Flows.LogInAtIdPortenAsync(browser, await browser.GetAsync(IdpHost.Origin + "/account/login"), pid, acr);
        page.Address.AbsolutePath.Should().Be("/", page.Body);
        return browser;
    }

    /// <summary>Logs in and redeems a code by hand: the browser and the token response.</summary>
    public async Task<(TestBrowser Browser, JsonElement Tokens)> LogInWithCodeAsync(string? pid = null)
    {
        var browser = await LoggedInBrowserAsync(pid);
        var pkce = Pkce.New();
        await browser.GetAsync(Flows.AuthorizeUrl(pkce: pkce));
        using var backchannel = Idp.NewBackchannel();
        var (status, tokens) = await Flows.RedeemCodeAsync(backchannel, Flows.RedirectParameters(browser)["code"], pkce);
        status.Should().Be(200, tokens.ToString());
        return (browser, tokens);
    }
}

/// <summary>The same, on a fresh database of the test run's PostgreSQL server.</summary>
public sealed class PostgreSqlIdpFixture() : IdpFixture(TestDatabase.PostgreSql);
