using System.Diagnostics;
using Educloud.Idp.Testing;
using System.Globalization;
using System.Net;
using System.Net.Security;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Educloud.Idp.Benchmarks;

/// <summary>
/// The published IdP as a child process on 127.0.0.1, in Development (the built-in ID-porten
/// simulator, generated keys) with a fresh SQLite file and the benchmark's own clients.
/// </summary>
public sealed class IdpProcess : IOidcServer, IAsyncDisposable
{
    public const string AppClientId = "bench-app";
    public const string MachineClientId = "bench-machine";
    public const string RedirectUri = "http://127.0.0.1/cb";

    private readonly ServerProcess process;
    private readonly LogFile log;
    private readonly string workDirectory;
    private readonly bool keep;
    private int disposed;
    private readonly string certificateHash;

    private IdpProcess(ServerProcess process, LogFile log, string workDirectory, bool keep, Uri origin, Uri plainOrigin, string certificateHash, string appSecret, string machineSecret)
    {
        PlainOrigin = plainOrigin;
        this.certificateHash = certificateHash;
        this.process = process;
        this.log = log;
        this.workDirectory = workDirectory;
        this.keep = keep;
        Origin = origin;
        AppSecret = appSecret;
        MachineSecret = machineSecret;
    }

    /// <summary>The IdP's public address (HTTPS): its issuer, pages and cookies.</summary>
    public Uri Origin { get; }

    /// <summary>
    /// The same server over plain HTTP, used the way a TLS-terminating proxy would: requests carry
    /// Host = <see cref="Origin"/>'s authority and X-Forwarded-Proto: https (loopback is configured as a trusted proxy).
    /// </summary>
    public Uri PlainOrigin { get; }

    public string AppSecret { get; }

    public string MachineSecret { get; }

    public int ProcessId => process.Id;

    public long StartedAt { get; private init; }

    public bool HasExited => process.HasExited;

    public string AuthorizePath => "/connect/authorize";

    public string TokenPath => "/connect/token";

    public IReadOnlyList<KeyValuePair<string, string>> AuthorizeParameters => [];

    /// <summary>On the ID-porten simulator's page: the person and the level of assurance.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> PersonFields(string pid) =>
        [new("sim_pid", pid), new("sim_pid_other", ""), new("sim_acr", "idporten-loa-substantial")];

    public string LogPath => Path.Combine(workDirectory, "idp.log");

    /// <summary>Lines the server wrote at warning level or above (logging is set to Warning).</summary>
    public int Warnings => log.Warnings;

    /// <summary>CPU time (user + system) the server has used so far, read from /proc.</summary>
    public TimeSpan CpuTime => process.CpuTime;

    /// <summary>
    /// Publishes src/IdP (Release) into <paramref name="output"/> with its own artifacts path, so a
    /// build elsewhere is not disturbed; ReadyToRun for this machine's runtime identifier, as the
    /// image ships it (deploy/idp.Dockerfile), unless <paramref name="readyToRun"/> is false.
    /// </summary>
    public static async Task<string> PublishAsync(string output, bool readyToRun)
    {
        var repository = FindRepositoryRoot();
        var project = Path.Combine(repository, "src", "IdP");
        Console.WriteLine($"Publishing {project} (Release{(readyToRun ? ", ReadyToRun" : ", JIT only")}) to {output} ...");
        var start = new ProcessStartInfo("dotnet")
        {
            ArgumentList = { "publish", project, "-c", "Release", "-o", Path.Combine(output, "idp"), "--artifacts-path", Path.Combine(output, "artifacts"), "--nologo", "-v", "quiet" },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        if (readyToRun)
        {
            foreach (var argument in new[] { "-r", RuntimeInformation.RuntimeIdentifier, "--self-contained", "false", "-p:PublishReadyToRun=true" })
            {
                start.ArgumentList.Add(argument);
            }
        }

        using var publish = Process.Start(start) ?? throw new InvalidOperationException("dotnet publish did not start.");
        var stdout = publish.StandardOutput.ReadToEndAsync();
        var stderr = publish.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(10));
        await publish.WaitForExitAsync(timeout.Token);
        if (publish.ExitCode != 0)
        {
            throw new InvalidOperationException($"dotnet publish failed ({publish.ExitCode}):\n{await stdout}\n{await stderr}");
        }

        return Path.Combine(output, "idp", "Educloud.Idp.dll");
    }

    /// <summary>
    /// Starts the IdP and waits until it is ready. A <paramref name="peer"/> (another replica on the
    /// same database) lends its client secrets: the IdP writes the configured clients into the
    /// database at start, so replicas with secrets of their own would overwrite each other's.
    /// </summary>
    /// <param name="waitUntilReady">False for a cold-start measurement (<see cref="ColdStarts"/>), which polls the token endpoint itself.</param>
    public static async Task<IdpProcess> StartAsync(string idpPath, string workDirectory, int port, bool keep, IEnumerable<KeyValuePair<string, string>> extraEnvironment, IdpProcess? peer = null, bool waitUntilReady = true)
    {
        var dll = Directory.Exists(idpPath) ? Path.Combine(idpPath, "Educloud.Idp.dll") : idpPath;
        if (!File.Exists(dll))
        {
            throw new FileNotFoundException($"No published IdP at {dll}.");
        }

        var httpsPort = port > 0 ? port : ServerProcess.FreeTcpPort();
        var httpPort = port > 0 ? port + 1 : ServerProcess.FreeTcpPort();
        var origin = new Uri($"https://127.0.0.1:{httpsPort.ToString(CultureInfo.InvariantCulture)}");
        var plainOrigin = new Uri($"http://127.0.0.1:{httpPort.ToString(CultureInfo.InvariantCulture)}");
        var appSecret = peer?.AppSecret ?? Secret();
        var machineSecret = peer?.MachineSecret ?? Secret();
        Directory.CreateDirectory(workDirectory);

        // The IdP's pages and cookies demand HTTPS (antiforgery refuses plain HTTP outright), and its
        // OpenIddict client fetches the simulator's discovery document over the issuer's scheme:
        // so the IdP gets a throwaway certificate, trusted by the child alone (SSL_CERT_FILE) and
        // pinned by the benchmark. No system trust store is touched.
        using var certificate = LoopbackCertificate();
        var pfx = Path.Combine(workDirectory, "tls.pfx");
        var pem = Path.Combine(workDirectory, "tls.pem");
        var pfxPassword = Secret();
        await File.WriteAllBytesAsync(pfx, certificate.Export(X509ContentType.Pfx, pfxPassword));
        await File.WriteAllTextAsync(pem, certificate.ExportCertificatePem());

        var environment = new Dictionary<string, string>
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Development",
            ["Logging__LogLevel__Default"] = "Warning",
            ["Logging__LogLevel__Microsoft.AspNetCore"] = "Warning",
            ["Kestrel__Certificates__Default__Path"] = pfx,
            ["Kestrel__Certificates__Default__Password"] = pfxPassword,
            ["SSL_CERT_FILE"] = pem,
            ["Database__ConnectionString"] = "Data Source=" + Path.Combine(workDirectory, "idp.db"),
            ["Database__MigrateOnStartup"] = "true",
            ["Keys__DevelopmentKeysDirectory"] = Path.Combine(workDirectory, "keys"),
            ["IdPorten__Issuer"] = origin.AbsoluteUri + "idporten-sim",
            // Every benchmark login comes from 127.0.0.1: the per-IP limit on one-time codes would stop them.
            ["Totp__SubmissionsPerIpPerMinute"] = "100000",
            // The load generator stands in for the TLS-terminating proxy on this host (X-Forwarded-Proto).
            ["ForwardedHeaders__TrustedProxies__0"] = "127.0.0.1",
            ["ForwardedHeaders__TrustedProxies__1"] = "::1",
            // Indexes far from appsettings.Development.json's own clients: configuration lists merge by index.
            ["Clients__90__ClientId"] = AppClientId,
            ["Clients__90__DisplayName"] = "Benchmark app",
            ["Clients__90__ClientSecret"] = appSecret,
            ["Clients__90__RedirectUris__0"] = RedirectUri,
            ["Clients__90__Scopes__0"] = "openid",
            ["Clients__90__Scopes__1"] = "offline_access",
            ["Clients__91__ClientId"] = MachineClientId,
            ["Clients__91__DisplayName"] = "Benchmark machine client",
            ["Clients__91__ClientSecret"] = machineSecret,
            ["Clients__91__AllowClientCredentials"] = "true",
        };
        foreach (var (key, value) in extraEnvironment)
        {
            environment[key] = value;
        }

        var log = new LogFile(Path.Combine(workDirectory, "idp.log"));
        var startedAt = Stopwatch.GetTimestamp();
        var process = ServerProcess.Start(
            "The IdP", dll, ["--urls", origin.AbsoluteUri.TrimEnd('/') + ";" + plainOrigin.AbsoluteUri.TrimEnd('/')], environment, onLine: log.Write);
        var idp = new IdpProcess(process, log, workDirectory, keep, origin, plainOrigin, certificate.GetCertHashString(HashAlgorithmName.SHA256), appSecret, machineSecret) { StartedAt = startedAt };
        if (!waitUntilReady)
        {
            return idp;
        }

        using (var handler = idp.CreateHandler(1))
        {
            try
            {
                await process.WaitUntilReadyAsync(new Uri(origin, "/health/ready"), TimeSpan.FromSeconds(90), handler);
            }
            catch
            {
                await idp.DisposeAsync();
                throw;
            }
        }

        return idp;
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref disposed, 1) == 1)
        {
            return;
        }

        await process.DisposeAsync();
        log.Dispose();

        if (!keep)
        {
            try
            {
                Directory.Delete(workDirectory, recursive: true);
            }
            catch (IOException)
            {
                // A leftover temp folder is not worth failing the run for.
            }
        }
    }

    /// <summary>SHA-256 of this process's throwaway TLS certificate, the one the benchmark trusts.</summary>
    public string CertificateHash => certificateHash;

    /// <summary>Keep-alive HTTP/1.1 connections that trust exactly this IdP's certificate; no redirects, no cookie jar.</summary>
    public SocketsHttpHandler CreateHandler(int connections) => CreateHandler([certificateHash], connections);

    /// <summary>Keep-alive HTTP/1.1 connections (per server) that trust exactly the certificates with these SHA-256 hashes.</summary>
    public static SocketsHttpHandler CreateHandler(IEnumerable<string> certificateHashes, int connections)
    {
        var trusted = certificateHashes.ToHashSet(StringComparer.OrdinalIgnoreCase);
        return new()
        {
            AllowAutoRedirect = false,
            UseCookies = false,
            PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),
            MaxConnectionsPerServer = connections,
            SslOptions = new SslClientAuthenticationOptions
            {
                RemoteCertificateValidationCallback = (_, certificate, _, _) =>
                    certificate is not null && trusted.Contains(certificate.GetCertHashString(HashAlgorithmName.SHA256)),
            },
        };
    }

    /// <summary>A self-signed P-256 certificate for 127.0.0.1, valid for a day.</summary>
    private static X509Certificate2 LoopbackCertificate()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=127.0.0.1", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        var now = DateTimeOffset.UtcNow;
        return request.CreateSelfSigned(now.AddMinutes(-5), now.AddDays(1));
    }

    public static string Secret() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public static string FindRepositoryRoot()
    {
        foreach (var start in new[] { Environment.CurrentDirectory, AppContext.BaseDirectory })
        {
            for (var directory = new DirectoryInfo(start); directory is not null; directory = directory.Parent)
            {
                if (File.Exists(Path.Combine(directory.FullName, "Educloud.Idp.sln")))
                {
                    return directory.FullName;
                }
            }
        }

        throw new InvalidOperationException("Cannot find the repository (Educloud.Idp.sln); pass --idp with a published IdP.");
    }

    /// <summary>The server's output in a file (the run's record), with a count of lines at warning level or above.</summary>
    private sealed class LogFile(string path) : IDisposable
    {
        private readonly StreamWriter writer = new(path) { AutoFlush = true };
        private int warnings;

        public int Warnings => Volatile.Read(ref warnings);

        public void Write(string line)
        {
            if (line.StartsWith("warn:", StringComparison.Ordinal) || line.StartsWith("fail:", StringComparison.Ordinal) || line.StartsWith("crit:", StringComparison.Ordinal))
            {
                Interlocked.Increment(ref warnings);
            }

            lock (writer)
            {
                writer.WriteLine(line);
            }
        }

        public void Dispose()
        {
            lock (writer)
            {
                writer.Dispose();
            }
        }
    }
}
