using Educloud.Idp.Testing;
using Educloud.Idp.Tests.Infrastructure;

namespace Educloud.Idp.Topology.Infrastructure;

/// <summary>
/// The whole topology, started once for the test class: PostgreSQL, the key files, a throwaway CA,
/// nginx, the ID-porten simulator, the migration (the <c>migrate</c> command, once), and two replicas
/// started together. Tests that stop a part (a replica, PostgreSQL) start it again before they end.
/// </summary>
public sealed class TopologyFixture : IAsyncLifetime
{
    public const string AppClientId = "topology-app";
    public const string AppRedirectUri = "https://app.topology.test/signin-oidc";
    public const string ConsoleClientId = "topology-console";
    public const string ConsoleRedirectUri = "https://console.topology.test/signin-oidc";
    public const string IdPortenClientId = "educloud-idp";

    private readonly string root = Directory.CreateTempSubdirectory("educloud-topology-").FullName;
    private readonly List<IAsyncDisposable> stack = [];

    public PostgresServer Postgres { get; private set; } = null!;

    public ThrowawayCa Ca { get; private set; } = null!;

    public Nginx Nginx { get; private set; } = null!;

    public Replica A { get; private set; } = null!;

    public Replica B { get; private set; } = null!;

    public IReadOnlyList<Replica> Replicas => [A, B];

    /// <summary>The environment every replica gets (replica.env, filled in), without its port.</summary>
    public IReadOnlyDictionary<string, string> Settings { get; private set; } = null!;

    public string AppSecret { get; } = Secret();

    public string ConsoleSecret { get; } = Secret();

    /// <summary>The phones of the test people, across browsers.</summary>
    public AuthenticatorApps Phones { get; } = new();

    /// <summary>A client for the replicas directly and for nginx (trusting the throwaway CA).</summary>
    public HttpClient Http { get; private set; } = null!;

    /// <summary>The handler under <see cref="Http"/> (for readiness polls).</summary>
    public HttpMessageHandler Handler { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var postgres = PostgresServer.StartNewAsync();
        var ca = ThrowawayCa.CreateAsync(Path.Combine(root, "ca"));
        var keys = KeyFiles.Create(Path.Combine(root, "keys"));
        Postgres = await postgres;
        stack.Add(Postgres);
        Ca = await ca;
        Handler = Handlers.Trusting(Ca);
        Http = new HttpClient(Handler, disposeHandler: false) { Timeout = TimeSpan.FromSeconds(30) };

        int[] ports = [ServerProcess.FreeTcpPort(), ServerProcess.FreeTcpPort()];
        var simulatorPort = ServerProcess.FreeTcpPort();
        Nginx = await Nginx.StartAsync(Path.Combine(root, "nginx"), Ca, ports, simulatorPort);
        stack.Add(Nginx);

        var simulator = await StartSimulatorAsync(simulatorPort, keys);
        stack.Add(simulator);

        Settings = SettingsFor(keys);
        await Replica.RunCommandAsync(WithPort(0), "migrate");

        A = Replica.Create("replica A", ports[0], WithPort(ports[0]));
        B = Replica.Create("replica B", ports[1], WithPort(ports[1]));
        stack.Add(A);
        stack.Add(B);
        // Together, as an orchestrator starts them: both register the clients at start.
        await Task.WhenAll(A.StartAsync(Handler), B.StartAsync(Handler));
    }

    public async Task DisposeAsync()
    {
        Http?.Dispose();
        Handler?.Dispose();
        for (var i = stack.Count - 1; i >= 0; i--)
        {
            await stack[i].DisposeAsync();
        }

        try
        {
            Directory.Delete(root, recursive: true);
        }
        catch (IOException)
        {
            // Left for the OS's temporary folder cleanup.
        }
    }

    /// <summary>The environment of a replica on <paramref name="port"/>.</summary>
    public IReadOnlyDictionary<string, string> WithPort(int port) =>
        new Dictionary<string, string>(Settings) { ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}" };

    public Replica Other(Replica replica) => replica == A ? B : A;

    public Replica ByUpstream(string? upstream) =>
        Replicas.SingleOrDefault(r => r.Upstream == upstream) ?? throw new InvalidOperationException($"No replica at '{upstream}'.");

    /// <summary>A count from PostgreSQL (psql on the server's socket).</summary>
    public long Count(string sql) => long.Parse(Postgres.Psql(Postgres.Database, sql).Trim(), System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>What every process wrote, for a failing test's message.</summary>
    public string Diagnostics() =>
        $"--- {A.Name}:\n{Tail(A.Output)}\n--- {B.Name}:\n{Tail(B.Output)}\n--- nginx error.log:\n{Tail(Nginx.ErrorLog)}";

    private static string Tail(string text) => text.Length > 6000 ? text[^6000..] : text;

    private Dictionary<string, string> SettingsFor(KeyFiles keys)
    {
        var issuer = Nginx.IdpOrigin.AbsoluteUri;
        var settings = ReplicaSettings.Read(new Dictionary<string, string>
        {
            ["port"] = "0",
            ["connection_string"] = Postgres.ConnectionString,
            ["keys"] = keys.Folder,
            ["issuer"] = issuer,
            ["idporten_issuer"] = new Uri(Nginx.SimulatorOrigin, "/idporten-sim").AbsoluteUri,
            ["ca_bundle"] = Ca.Bundle,
        });

        // The test's own research app and support console (deploy/ registers its own).
        Register(settings, 0, AppClientId, AppSecret, AppRedirectUri, "openid", "profile", "offline_access");
        Register(settings, 1, ConsoleClientId, ConsoleSecret, ConsoleRedirectUri, "openid", "profile", "admin_api");
        return settings;
    }

    private static void Register(Dictionary<string, string> settings, int index, string clientId, string secret, string redirectUri, params string[] scopes)
    {
        var prefix = $"Clients__{index}__";
        settings[prefix + "ClientId"] = clientId;
        settings[prefix + "DisplayName"] = clientId + " (topology test)";
        settings[prefix + "ClientSecret"] = secret;
        settings[prefix + "RedirectUris__0"] = redirectUri;
        for (var i = 0; i < scopes.Length; i++)
        {
            settings[$"{prefix}Scopes__{i}"] = scopes[i];
        }
    }

    private async Task<ServerProcess> StartSimulatorAsync(int port, KeyFiles keys)
    {
        string OnIdp(string path) => new Uri(Nginx.IdpOrigin, path).AbsoluteUri;
        var simulator = ServerProcess.Start("ID-porten simulator", Replica.SimulatorAssembly,
            ["--urls", $"http://127.0.0.1:{port}"],
            new Dictionary<string, string>
            {
                ["IdPortenSimulator__Clients__0__ClientId"] = IdPortenClientId,
                ["IdPortenSimulator__Clients__0__PublicKeyPem"] = keys.IdPortenClientPublicKeyPem,
                // The kid the replicas' client assertions carry (IdPorten__PrivateKeyId in replica.env).
                ["IdPortenSimulator__Clients__0__KeyId"] = "educloud-idp-topology",
                ["IdPortenSimulator__Clients__0__RedirectUris__0"] = OnIdp("/federation/idporten/callback"),
                ["IdPortenSimulator__Clients__0__PostLogoutRedirectUris__0"] = OnIdp("/federation/idporten/logged-out"),
                ["IdPortenSimulator__Clients__0__FrontChannelLogoutUri"] = OnIdp("/federation/idporten/frontchannel-logout"),
            },
            Path.GetDirectoryName(Replica.SimulatorAssembly));
        await simulator.WaitUntilReadyAsync(new Uri(Nginx.SimulatorOrigin, "/idporten-sim/.well-known/openid-configuration"), TimeSpan.FromSeconds(60), Handler);
        return simulator;
    }

    private static string Secret() => Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(33));
}
