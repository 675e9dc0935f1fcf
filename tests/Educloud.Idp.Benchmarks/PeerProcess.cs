using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Educloud.Idp.Testing;

namespace Educloud.Idp.Benchmarks;

/// <summary>
/// The peer: node oidc-provider (tests/Educloud.Idp.Benchmarks/peer/server.mjs) as a child process on
/// 127.0.0.1, configured like the IdP in the benchmark (the same two clients with secrets of this
/// run, PKCE, rotating refresh tokens, ES256-signed JWT access tokens), its in-memory store, and a
/// login page of its own that checks a TOTP code. Plain HTTP only, reached the way a TLS-terminating
/// proxy forwards (Host and X-Forwarded-Proto), as the IdP is by default. A group of one server, so
/// <see cref="TokenLoad"/> drives it like the IdP's replicas.
/// </summary>
public sealed class PeerProcess : IOidcServer, IOidcServers, IAsyncDisposable
{
    private readonly ServerProcess process;
    private readonly StreamWriter log;
    private readonly byte[] totpKey;
    private int disposed;

    private PeerProcess(ServerProcess process, StreamWriter log, int port, string appSecret, string machineSecret, byte[] totpKey, string version)
    {
        this.process = process;
        this.log = log;
        this.totpKey = totpKey;
        Origin = new Uri($"https://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}");
        PlainOrigin = new Uri($"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}");
        AppSecret = appSecret;
        MachineSecret = machineSecret;
        Description = $"oidc-provider {version}, in-memory";
    }

    /// <summary>The issuer (HTTPS, as behind the proxy); nothing listens for TLS: requests go to <see cref="PlainOrigin"/>, same port.</summary>
    public Uri Origin { get; }

    public Uri PlainOrigin { get; }

    public string AppSecret { get; }

    public string MachineSecret { get; }

    public string AuthorizePath => "/auth";

    public string TokenPath => "/token";

    /// <summary>
    /// oidc-provider follows OpenID Connect Core 11: offline_access (so a refresh token) only with
    /// prompt=consent. The peer's login answers login and consent in one step, so it adds no request.
    /// </summary>
    public IReadOnlyList<KeyValuePair<string, string>> AuthorizeParameters => [new("prompt", "consent")];

    public IReadOnlyList<KeyValuePair<string, string>> PersonFields(string pid) => [new("login", pid)];

    public int ProcessId => process.Id;

    public long StartedAt { get; private init; }

    public bool HasExited => process.HasExited;

    public TimeSpan CpuTime => process.CpuTime;

    public IReadOnlyList<IOidcServer> Servers => [this];

    public string Description { get; }

    /// <summary>Lines the peer wrote to stderr-worthy channels: oidc-provider's server_error events.</summary>
    public int Errors => Volatile.Read(ref errors);

    private int errors;

    /// <summary>
    /// Each person's authenticator key, as server.mjs derives it: HMAC-SHA256(run key, account id),
    /// the first 20 bytes, in base32. It stands in for the enrollment the IdP does at a first login.
    /// </summary>
    public string PersonSecret(string pid) => Rfc6238.ToBase32(HMACSHA256.HashData(totpKey, Encoding.UTF8.GetBytes(pid)).AsSpan(0, 20));

    /// <summary>The peer's folder; its npm packages are installed (npm ci) when node_modules is missing.</summary>
    public static async Task<string> PrepareAsync()
    {
        var folder = Path.Combine(IdpProcess.FindRepositoryRoot(), "tests", "Educloud.Idp.Benchmarks", "peer");
        try
        {
            var version = await ServerProcess.RunAsync("node", ["--version"]);
            Console.WriteLine($"Peer: node {version.Trim()} in {folder}");
            if (!Directory.Exists(Path.Combine(folder, "node_modules", "oidc-provider")))
            {
                Console.WriteLine("Peer: installing its packages (npm ci) ...");
                await ServerProcess.RunAsync("npm", ["ci", "--no-audit", "--no-fund"], workingDirectory: folder, limit: TimeSpan.FromMinutes(5));
            }
        }
        catch (Win32Exception e)
        {
            throw new InvalidOperationException($"--peer needs node (20 or later) and npm on PATH (apt-get install nodejs npm): {e.Message}", e);
        }

        return folder;
    }

    /// <summary>
    /// Starts the peer on a free port with new secrets and signing keys (P-256 first, RSA 2048 also
    /// offered, as the IdP's development keys; written as PEM files into <paramref name="workDirectory"/>,
    /// so its start reads keys rather than generating them, like the IdP's restart), and waits
    /// (bounded) until its discovery document answers, unless <paramref name="waitUntilReady"/> is false.
    /// </summary>
    public static async Task<PeerProcess> StartAsync(string folder, string workDirectory, bool waitUntilReady = true)
    {
        Directory.CreateDirectory(workDirectory);
        var ecPath = Path.Combine(workDirectory, "signing-es256.pem");
        var rsaPath = Path.Combine(workDirectory, "signing-rs256.pem");
        if (!File.Exists(ecPath))
        {
            using var ec = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            using var rsa = RSA.Create(2048);
            await File.WriteAllTextAsync(ecPath, ec.ExportPkcs8PrivateKeyPem());
            await File.WriteAllTextAsync(rsaPath, rsa.ExportPkcs8PrivateKeyPem());
        }

        var port = ServerProcess.FreeTcpPort();
        var appSecret = IdpProcess.Secret();
        var machineSecret = IdpProcess.Secret();
        var totpKey = RandomNumberGenerator.GetBytes(32);
        var environment = new Dictionary<string, string>
        {
            ["NODE_ENV"] = "production",
            ["PEER_ISSUER"] = $"https://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}",
            ["PEER_APP_SECRET"] = appSecret,
            ["PEER_MACHINE_SECRET"] = machineSecret,
            ["PEER_TOTP_KEY"] = Convert.ToBase64String(totpKey).TrimEnd('=').Replace('+', '-').Replace('/', '_'),
            ["PEER_SIGNING_KEYS"] = ecPath + Path.PathSeparator + rsaPath,
        };
        var log = new StreamWriter(Path.Combine(workDirectory, "peer.log")) { AutoFlush = true };
        PeerProcess? peer = null;
        var startedAt = Stopwatch.GetTimestamp();
        var process = ServerProcess.Start("The peer (node oidc-provider)", "node", ["server.mjs", port.ToString(CultureInfo.InvariantCulture)], environment, folder, line =>
        {
            if (line.StartsWith("server_error", StringComparison.Ordinal) && peer is not null)
            {
                Interlocked.Increment(ref peer.errors);
            }

            lock (log)
            {
                log.WriteLine(line);
            }
        });
        peer = new PeerProcess(process, log, port, appSecret, machineSecret, totpKey, Version(folder)) { StartedAt = startedAt };
        if (waitUntilReady)
        {
            try
            {
                await process.WaitUntilReadyAsync(new Uri(peer.PlainOrigin, "/.well-known/openid-configuration"), TimeSpan.FromSeconds(60));
            }
            catch
            {
                await peer.DisposeAsync();
                throw;
            }
        }

        return peer;
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref disposed, 1) == 1)
        {
            return;
        }

        await process.DisposeAsync();
        lock (log)
        {
            log.Dispose();
        }
    }

    /// <summary>The installed oidc-provider's version, from its package.json.</summary>
    private static string Version(string folder)
    {
        var package = Path.Combine(folder, "node_modules", "oidc-provider", "package.json");
        using var json = JsonDocument.Parse(File.ReadAllText(package));
        return json.RootElement.GetProperty("version").GetString() ?? "?";
    }
}
