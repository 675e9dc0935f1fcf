using System.Security.Cryptography;
using Microsoft.Playwright;

namespace Educloud.Idp.EndToEnd.Infrastructure;

[CollectionDefinition(Name)]
public sealed class EndToEndCollection : ICollectionFixture<EndToEndFixture>
{
    public const string Name = "End-to-end";
}

/// <summary>
/// One IdP process and one browser for the whole run (starting the IdP takes seconds); every test
/// gets its own browser context, so no cookies are shared between tests.
/// </summary>
public sealed class EndToEndFixture : IAsyncLifetime
{
    /// <summary>
    /// The host name of the IdP in every URL, the simulator's issuer included. Chromium counts
    /// http://127.0.0.1 as a secure context, so the Secure __Host- session cookie sticks without TLS.
    /// </summary>
    public const string Host = "127.0.0.1";

    private readonly Lock browserLock = new();
    private IPlaywright? playwright;
    private Task<IBrowser>? browser;
    private IdpProcess? idp;
    private Task<ConsoleProcess>? console;

    public EndToEndFixture()
    {
        ResearchAppPort = IdpProcess.FreeTcpPort();
        ResearchAppSecret = Convert.ToHexString(RandomNumberGenerator.GetBytes(24));
        SsoAppA = RegisteredApp.New("e2e-sso-a");
        SsoAppB = RegisteredApp.New("e2e-sso-b");
        AccountApp = RegisteredApp.New("e2e-account-app", backChannelLogout: true);
        ConsoleClient = RegisteredApp.New("e2e-console");
    }

    public const string ResearchAppClientId = "e2e-app";

    /// <summary>Port of the stand-in research app (<see cref="ResearchApp"/>), registered with the IdP at start.</summary>
    public int ResearchAppPort { get; }

    public string ResearchAppSecret { get; }

    public Uri ResearchAppRedirectUri => new($"http://localhost:{ResearchAppPort}/callback");

    /// <summary>Two more research apps, for single sign-on between apps and logout from either (each with a post-logout redirect URI).</summary>
    public RegisteredApp SsoAppA { get; }

    /// <inheritdoc cref="SsoAppA"/>
    public RegisteredApp SsoAppB { get; }

    /// <summary>An app registered for back-channel logout: told when the account page's "Log out everywhere" ends its sessions.</summary>
    public RegisteredApp AccountApp { get; }

    /// <summary>
    /// The support console's registration (client e2e-console with the admin_api scope, redirect
    /// URIs on 127.0.0.1:<see cref="RegisteredApp.Port"/>); the console itself starts on first use (<see cref="ConsoleAsync"/>).
    /// </summary>
    public RegisteredApp ConsoleClient { get; }

    public Uri ConsoleBaseUri => new($"http://{Host}:{ConsoleClient.Port}/");

    public IdpProcess Idp => idp ?? throw new InvalidOperationException("The IdP is not running.");

    public async Task InitializeAsync()
    {
        // Index 90, past the entries of appsettings.Development.json (Clients:0 demo-app,
        // Clients:1 support-console): environment variables at an existing index would merge into
        // that entry (its extra scopes, admin_api included, and logout URI would stick to e2e-app).
        // The binder turns the section's children into a list in order.
        var settings = new Dictionary<string, string>(SsoAppA.Settings(91).Concat(SsoAppB.Settings(92)).Concat(AccountApp.Settings(93)))
        {
            // The console: its own client id (not support-console, whose Development entry is at
            // localhost:5200), its real redirect URIs on the port it will be started on.
            ["Clients__94__ClientId"] = ConsoleClient.ClientId,
            ["Clients__94__DisplayName"] = "E2E support console",
            ["Clients__94__ClientSecret"] = ConsoleClient.Secret,
            ["Clients__94__RedirectUris__0"] = new Uri(ConsoleBaseUri, "/signin-oidc").AbsoluteUri,
            ["Clients__94__PostLogoutRedirectUris__0"] = new Uri(ConsoleBaseUri, "/signout-callback-oidc").AbsoluteUri,
            ["Clients__94__Scopes__0"] = "openid",
            ["Clients__94__Scopes__1"] = "profile",
            ["Clients__94__Scopes__2"] = "admin_api",
            ["Clients__90__ClientId"] = ResearchAppClientId,
            ["Clients__90__DisplayName"] = "E2E app",
            ["Clients__90__ClientSecret"] = ResearchAppSecret,
            ["Clients__90__RedirectUris__0"] = ResearchAppRedirectUri.AbsoluteUri,
            ["Clients__90__Scopes__0"] = "openid",
            ["Clients__90__Scopes__1"] = "profile",
        };
        idp = await IdpProcess.StartAsync(Host, settings);
    }

    /// <summary>The shared browser, launched on first use so that tests without a browser do not need Chromium.</summary>
    public Task<IBrowser> BrowserAsync()
    {
        lock (browserLock)
        {
            return browser ??= LaunchAsync();
        }

        async Task<IBrowser> LaunchAsync()
        {
            playwright = await Playwright.CreateAsync();
            Assertions.SetDefaultExpectTimeout((float)Chromium.Timeout.TotalMilliseconds);
            return await Chromium.LaunchAsync(playwright);
        }
    }

    /// <summary>The support console as a process, started on first use (only the console tests need it) and stopped with the fixture.</summary>
    public Task<ConsoleProcess> ConsoleAsync()
    {
        lock (browserLock)
        {
            return console ??= ConsoleProcess.StartAsync(ConsoleBaseUri, Idp.BaseUri, ConsoleClient.ClientId, ConsoleClient.Secret);
        }
    }

    public async Task DisposeAsync()
    {
        if (console is not null)
        {
            try
            {
                await (await console).DisposeAsync();
            }
            catch (InvalidOperationException)
            {
                // It never started: its test has already failed with the reason.
            }
        }

        if (browser is { IsCompletedSuccessfully: true })
        {
            await (await browser).DisposeAsync();
        }

        playwright?.Dispose();
        if (idp is not null)
        {
            await idp.DisposeAsync();
        }
    }
}
