extern alias console;

using console::Educloud.Idp.Admin.Api;
using Educloud.Idp.Tests.Infrastructure;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using ConsoleProgram = console::Program;

namespace Educloud.Idp.Admin.Tests;

/// <summary>
/// The support console in-process, pointed at an in-process IdP: its OIDC backchannel (discovery,
/// JWKS, token endpoint) and its admin API client go into the IdP's TestServer.
/// </summary>
public sealed class ConsoleHost(IdpHost idp, TimeProvider? time = null) : WebApplicationFactory<ConsoleProgram>
{
    public const string Origin = "https://console.test";
    public const string ClientId = "support-console";
    public const string Secret = "DEVELOPMENT-ONLY-support-console-test-secret-0123";

    /// <summary>The IdP's registration of the console, added to the IdP's test settings.</summary>
    public static Dictionary<string, string?> IdpRegistration(int index) => new()
    {
        [$"Clients:{index}:ClientId"] = ClientId,
        [$"Clients:{index}:DisplayName"] = "Support console (tests)",
        [$"Clients:{index}:ClientSecret"] = Secret,
        [$"Clients:{index}:RedirectUris:0"] = Origin + "/signin-oidc",
        [$"Clients:{index}:PostLogoutRedirectUris:0"] = Origin + "/signout-callback-oidc",
        [$"Clients:{index}:Scopes:0"] = "openid",
        [$"Clients:{index}:Scopes:1"] = "profile",
        [$"Clients:{index}:Scopes:2"] = "admin_api",
    };

    /// <summary>A browser that reaches both the IdP and the console, sharing the IdP's test phones.</summary>
    public TestBrowser NewBrowser()
    {
        var browser = idp.NewBrowser();
        browser.AddHost(new Uri(Origin).Host, Server.CreateHandler());
        return browser;
    }

    /// <summary>Clients made with CreateClient read English, as the test browser does (the console defaults to Bokmål).</summary>
    protected override void ConfigureClient(HttpClient client)
    {
        base.ConfigureClient(client);
        client.DefaultRequestHeaders.AcceptLanguage.ParseAdd("en");
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Development");
        builder.UseSetting("Idp:Authority", IdpHost.Origin);
        builder.UseSetting("Idp:ClientId", ClientId);
        builder.UseSetting("Idp:ClientSecret", Secret);
        builder.UseSetting("Logging:LogLevel:Default", "Warning");
        builder.ConfigureTestServices(services =>
        {
            // Configure (not PostConfigure): the handler must be set before the OIDC handler's own
            // post-configuration builds its backchannel and configuration manager from it.
            services.Configure<OpenIdConnectOptions>(OpenIdConnectDefaults.AuthenticationScheme,
                options => options.BackchannelHttpHandler = idp.Server.CreateHandler());
            services.AddHttpClient<AdminApiClient>().ConfigurePrimaryHttpMessageHandler(() => idp.Server.CreateHandler());
            if (time is not null)
            {
                services.AddSingleton(time);
            }
        });
    }
}

/// <summary>One IdP (with the console registered) and one console per test class.</summary>
public class ConsoleFixture : IAsyncLifetime
{
    public ConsoleFixture()
        : this(consoleClock: null)
    {
    }

    /// <param name="consoleClock">The console's clock (the IdP keeps the real one).</param>
    protected ConsoleFixture(TimeProvider? consoleClock)
    {
        Idp = new IdpHost(ConsoleHost.IdpRegistration(5));
        Console = new ConsoleHost(Idp, consoleClock);
    }

    public IdpHost Idp { get; }

    public ConsoleHost Console { get; }

    public Task InitializeAsync()
    {
        _ = Idp.Server;
        _ = Console.Server;
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await Console.DisposeAsync();
        Idp.Dispose();
    }

    /// <summary>
    /// A person who exists at the IdP (first ID-porten login, authenticator set up) and, if a role is
    /// given, holds it (through the grant-role code path). Returns their pid and user id.
    /// </summary>
    public async Task<(string Pid, string UserId)> PersonAsync(string? role = null)
    {
        var pid = Flows.NewPid();
        var browser = Idp.NewBrowser();
        var page = await Flows.LogInAtIdPortenAsync(browser, await browser.GetAsync(IdpHost.Origin + "/account/login"), pid);
        page.Address.AbsolutePath.Should().Be("/", page.Body);
        var userId = await AdminApi.UserIdAsync(Idp, pid);
        if (role is not null)
        {
            await AdminApi.GrantAsync(Idp, userId, role);
        }

        return (pid, userId);
    }

    /// <summary>Opens the console in a new browser and logs in through the IdP (ID-porten simulator + one-time code).</summary>
    public async Task<(TestBrowser Browser, BrowserPage Page)> LogInToConsoleAsync(string pid, string path = "/")
    {
        var browser = Console.NewBrowser();
        var loginPage = await browser.GetAsync(ConsoleHost.Origin + path);
        var page = await Flows.LogInAtIdPortenAsync(browser, loginPage, pid);
        return (browser, page);
    }
}
