using System.Collections.Concurrent;
using Educloud.IdPortenSimulator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Educloud.Idp.Tests.Infrastructure;

/// <summary>
/// The real IdP in-process (TestServer), on its embedded default: a SQLite file in a temp folder
/// (or, when asked, a fresh database on the test run's PostgreSQL server), development keys, and the built-in ID-porten simulator that OpenIddict's client reaches over
/// its own HTTP client (routed into this TestServer).
/// </summary>
public sealed class IdpHost : WebApplicationFactory<Program>
{
    public const string Origin = "https://localhost";
    public const string AppOrigin = "https://app.test";
    public const string AppClientId = "test-app";
    public const string AppSecret = "DEVELOPMENT-ONLY-test-app-secret-0123456789";
    public const string PublicClientId = "test-spa";
    public const string MachineClientId = "test-machine";
    public const string MachineSecret = "DEVELOPMENT-ONLY-test-machine-secret-012345";
    public const string PidAppClientId = "test-pid-app";
    public const string AdminClientId = "test-admin";
    public const string AdminSecret = "DEVELOPMENT-ONLY-test-admin-secret-01234567";
    public const string AdminRedirectUri = AppOrigin + "/admin/callback";

    private readonly Dictionary<string, string?> settings;

    private readonly TimeProvider? time;

    private readonly (string Name, string ConnectionString)? postgreSql;

    /// <param name="time">A FakeTimeProvider to drive the IdP's clock (every security decision asks it).</param>
    /// <param name="database">SQLite (the default) or a fresh database on the test run's PostgreSQL server.</param>
    public IdpHost(IDictionary<string, string?>? overrides = null, TimeProvider? time = null, TestDatabase database = TestDatabase.Sqlite)
    {
        this.time = time;
        Database = database;
        DataDirectory = Path.Combine(Path.GetTempPath(), "educloud-idp-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(DataDirectory);
        postgreSql = database == TestDatabase.PostgreSql ? PostgreSqlTestServer.CreateDatabase() : null;
        settings = new Dictionary<string, string?>
        {
            ["Database:Provider"] = postgreSql is null ? "Sqlite" : "PostgreSql",
            ["Database:ConnectionString"] = postgreSql?.ConnectionString ?? $"Data Source={Path.Combine(DataDirectory, "idp.db")}",
            ["Database:MigrateOnStartup"] = "true",
            ["Keys:DevelopmentKeysDirectory"] = Path.Combine(DataDirectory, "keys"),
            ["IdPorten:Issuer"] = Origin + "/idporten-sim",
            ["IdPorten:ClientId"] = "educloud-idp",
            ["IdPorten:ClientSecret"] = "DEVELOPMENT-ONLY-idporten-simulator-secret",
            ["IdPorten:UseSimulator"] = "true",
            // The production default (5 s) is for a real network; a loaded test machine's first,
            // cold call to the in-process simulator can take longer. Outage tests set their own.
            ["IdPorten:BackchannelTimeout"] = "00:00:30",
            ["Clients:0:ClientId"] = AppClientId,
            ["Clients:0:DisplayName"] = "Test research app",
            ["Clients:0:ClientSecret"] = AppSecret,
            ["Clients:0:RedirectUris:0"] = AppOrigin + "/signin-oidc",
            ["Clients:0:PostLogoutRedirectUris:0"] = AppOrigin + "/signout-callback-oidc",
            ["Clients:0:Scopes:0"] = "openid",
            ["Clients:0:Scopes:1"] = "profile",
            ["Clients:0:Scopes:2"] = "email",
            ["Clients:0:Scopes:3"] = "offline_access",
            ["Clients:1:ClientId"] = PublicClientId,
            ["Clients:1:DisplayName"] = "Test single-page app",
            ["Clients:1:RedirectUris:0"] = AppOrigin + "/spa/callback",
            ["Clients:1:Scopes:0"] = "openid",
            ["Clients:1:Scopes:1"] = "profile",
            ["Clients:2:ClientId"] = MachineClientId,
            ["Clients:2:DisplayName"] = "Test machine client",
            ["Clients:2:ClientSecret"] = MachineSecret,
            ["Clients:2:AllowClientCredentials"] = "true",
            ["Clients:3:ClientId"] = PidAppClientId,
            ["Clients:3:DisplayName"] = "Test app allowed the pid",
            ["Clients:3:ClientSecret"] = AppSecret,
            ["Clients:3:RedirectUris:0"] = AppOrigin + "/pid/callback",
            ["Clients:3:Scopes:0"] = "openid",
            ["Clients:3:Scopes:1"] = "pid",
            ["Clients:4:ClientId"] = AdminClientId,
            ["Clients:4:DisplayName"] = "Test admin console",
            ["Clients:4:ClientSecret"] = AdminSecret,
            ["Clients:4:RedirectUris:0"] = AdminRedirectUri,
            ["Clients:4:Scopes:0"] = "openid",
            ["Clients:4:Scopes:1"] = "offline_access",
            ["Clients:4:Scopes:2"] = "admin_api",
            ["Logging:LogLevel:Default"] = "Warning",
            // One TestServer client IP ("unknown") is shared by every test of a host; the limit
            // itself has its own test.
            ["Totp:SubmissionsPerIpPerMinute"] = "100000",
        };
        foreach (var (key, value) in overrides ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }
    }

    public string DataDirectory { get; }

    public TestDatabase Database { get; }

    /// <summary>The connection string the IdP was given (the SQLite file or the PostgreSQL database).</summary>
    public string ConnectionString => settings["Database:ConnectionString"]!;

    /// <summary>The key files (signing, encryption, the key ring's key): another host given the same folder is a replica.</summary>
    public string KeysDirectory => settings["Keys:DevelopmentKeysDirectory"]!;

    /// <summary>The clock the IdP runs on (a FakeTimeProvider in tests that move time).</summary>
    public TimeProvider Clock => time ?? TimeProvider.System;

    /// <summary>The authenticator apps of the test people, by pid: what each person's phone knows.</summary>
    public AuthenticatorApps Authenticators { get; } = new();

    public CapturingLoggerProvider Logs { get; } = new();

    /// <summary>Capture every category at Trace, whatever appsettings says (the leak tests).</summary>
    public bool TraceEverything { get; init; }

    /// <summary>More services for this host, after its own (e.g. another client of the simulator).</summary>
    public Action<IServiceCollection>? TestServices { get; init; }

    /// <summary>Every back-channel request the IdP's OpenIddict client sent to ID-porten (method and path).</summary>
    public ConcurrentQueue<string> UpstreamRequests { get; } = new();

    /// <summary>When set, every answer from ID-porten (the simulator) passes through it before the IdP reads it: a test's way to change what ID-porten says.</summary>
    public Func<HttpRequestMessage, HttpResponseMessage, Task<HttpResponseMessage>>? UpstreamRewriter { get; set; }

    public IdPortenSimulatorFaults Faults => Services.GetRequiredService<IdPortenSimulatorFaults>();

    /// <summary>When set, every back-channel call to ID-porten fails that way (ID-porten unreachable).</summary>
    public UpstreamOutage? Outage { get; set; }

    /// <summary>Completes when a back-channel call has been failed by <see cref="Outage"/>.</summary>
    public TaskCompletionSource OutageHit { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>A browser that keeps cookies and can reach this IdP (and, if given, an app host).</summary>
    public TestBrowser NewBrowser(RelyingParty? app = null)
    {
        var browser = new TestBrowser { Authenticators = Authenticators, Clock = Clock };
        browser.AddHost(new Uri(Origin).Host, Server.CreateHandler());
        if (app is not null)
        {
            browser.AddHost(new Uri(AppOrigin).Host, app.Handler);
        }

        return browser;
    }

    public HttpClient NewBackchannel() => new(Server.CreateHandler()) { BaseAddress = new Uri(Origin) };

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Development");
        foreach (var (key, value) in settings)
        {
            builder.UseSetting(key, value);
        }

        builder.ConfigureLogging(logging =>
        {
            logging.AddProvider(Logs);
            if (TraceEverything)
            {
                // A rule for this provider alone beats every category rule of appsettings
                // (Microsoft.AspNetCore: Warning, OpenIddict: Warning, ...): every category at Trace.
                logging.AddFilter<CapturingLoggerProvider>(null, LogLevel.Trace);
            }
        });
        builder.ConfigureTestServices(services =>
        {
            if (time is not null)
            {
                services.AddSingleton(time);
            }

            services.AddSingleton<IStartupFilter, TestPeerAddress>();

            // OpenIddict's client calls ID-porten (here: the simulator in this same host) with its
            // own named HttpClients; send those calls into the TestServer instead of the network.
            services.AddSingleton<IPostConfigureOptions<HttpClientFactoryOptions>>(
                new RouteOpenIddictClientToTestServer(() => Server.CreateHandler(), UpstreamRequests, this));
            TestServices?.Invoke(services);
        });
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing)
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            if (postgreSql is { } own)
            {
                PostgreSqlTestServer.DropDatabase(own.Name, own.ConnectionString);
            }

            try
            {
                Directory.Delete(DataDirectory, recursive: true);
            }
            catch (IOException)
            {
                // Best effort: the temp folder is cleaned by the OS otherwise.
            }
        }
    }

    /// <summary>
    /// TestServer has no peer address; a test names one with this header (the TCP peer a real
    /// server would see), before any of the IdP's middleware runs. Without it the peer stays unknown.
    /// </summary>
    public const string PeerHeader = "X-Test-Peer-Address";

    private sealed class TestPeerAddress : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use((http, nextMiddleware) =>
            {
                if (http.Request.Headers.TryGetValue(PeerHeader, out var peer) && System.Net.IPAddress.TryParse(peer, out var address))
                {
                    http.Connection.RemoteIpAddress = address;
                    http.Request.Headers.Remove(PeerHeader);
                }

                return nextMiddleware(http);
            });
            next(app);
        };
    }

    private sealed class RouteOpenIddictClientToTestServer(Func<HttpMessageHandler> server, ConcurrentQueue<string> sent, IdpHost host) : IPostConfigureOptions<HttpClientFactoryOptions>
    {
        public void PostConfigure(string? name, HttpClientFactoryOptions options)
        {
            if (name is not null && name.StartsWith("OpenIddict.Client.SystemNetHttp", StringComparison.Ordinal))
            {
                options.HttpMessageHandlerBuilderActions.Add(builder => builder.AdditionalHandlers.Add(new ForwardingHandler(server, sent, host)));
            }
            else if (name == "Educloud.IdPortenSimulator.BackChannelLogout")
            {
                // The in-process simulator's logout tokens to the IdP's back-channel URI (not ID-porten's traffic).
                options.HttpMessageHandlerBuilderActions.Add(builder => builder.PrimaryHandler = server());
            }
        }
    }

    private sealed class ForwardingHandler(Func<HttpMessageHandler> server, ConcurrentQueue<string> sent, IdpHost host) : DelegatingHandler
    {
        private readonly Lazy<HttpMessageInvoker> invoker = new(() => new HttpMessageInvoker(server()));

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            sent.Enqueue($"{request.Method} {request.RequestUri?.AbsolutePath}");
            switch (host.Outage)
            {
                case UpstreamOutage.Refused:
                    host.OutageHit.TrySetResult();
                    throw new HttpRequestException("Connection refused (test outage)");
                case UpstreamOutage.Hangs:
                    host.OutageHit.TrySetResult();
                    await Task.Delay(Timeout.Infinite, cancellationToken);
                    break;
            }

            var response = await invoker.Value.SendAsync(request, cancellationToken);
            return host.UpstreamRewriter is { } rewrite ? await rewrite(request, response) : response;
        }
    }
}

/// <summary>How ID-porten is unreachable in a test.</summary>
public enum UpstreamOutage
{
    /// <summary>Every call fails at once, as when the connection is refused.</summary>
    Refused,

    /// <summary>Every call waits until it is cancelled (the client's timeout), as behind a dropping firewall.</summary>
    Hangs,
}
