using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;

namespace Educloud.Idp.Testing;

/// <summary>
/// A real, throwaway PostgreSQL server for tests (Debian's <c>postgresql</c> package): <c>initdb</c>
/// into a temporary folder, <c>postgres</c> on a free loopback port with its unix socket in that folder,
/// scram-sha-256 password authentication on 127.0.0.1. As root (CI) every PostgreSQL program runs as
/// the <c>postgres</c> user (PostgreSQL refuses to run as root); otherwise as the current user.
/// A missing PostgreSQL fails the test, never skips it (./scripts/test.sh installs it).
/// A watchdog shell stops the server and removes the folder if the test process dies without disposing.
/// Shared source: test projects link this file (<c>&lt;Compile Include="../Shared/PostgresServer.cs" /&gt;</c>).
/// </summary>
public sealed class PostgresServer : IAsyncDisposable
{
    public const string User = "postgres";

    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(60);

    private const string Prefix = "/tmp/educloud-pg-";

    private readonly string root;
    private Process? watchdog;

    private PostgresServer(string binDirectory, string root, int port, string password)
    {
        BinDirectory = binDirectory;
        this.root = root;
        Port = port;
        Password = password;
    }

    /// <summary>The folder of initdb, pg_ctl, postgres, pg_dump, pg_restore, psql of this server's version.</summary>
    public string BinDirectory { get; }

    public string Host => "127.0.0.1";

    public int Port { get; }

    /// <summary>The superuser's password (user <see cref="User"/>).</summary>
    public string Password { get; }

    /// <summary>The database created at start.</summary>
    public string Database => "idp";

    /// <summary>Npgsql connection string of <see cref="Database"/>.</summary>
    public string ConnectionString => ConnectionStringFor(Database);

    /// <summary>The server's own log (stderr of postgres), for failure messages.</summary>
    public string LogFile => Path.Combine(root, "postgres.log");

    public bool IsRunning => watchdog is { HasExited: false };

    private string DataDirectory => Path.Combine(root, "data");

    private static bool IsRoot => Environment.UserName == "root";

    /// <summary>Creates the cluster and the database <see cref="Database"/>, and starts the server.</summary>
    public static async Task<PostgresServer> StartNewAsync()
    {
        var bin = FindBinDirectory();
        RemoveAbandoned();
        var root = Run(AsServerUser("mktemp", ["-d", $"{Prefix}XXXXXXXX"])).Trim();
        Run(AsServerUser("sh", ["-c", "echo \"$1\" > \"$2/owner\"", "sh", Environment.ProcessId.ToString(), root]));
        var password = Convert.ToHexString(RandomNumberGenerator.GetBytes(16));
        var server = new PostgresServer(bin, root, FreePort(), password);
        try
        {
            var passwordFile = Path.Combine(root, "pwfile");
            Run(AsServerUser("sh", ["-c", "umask 077 && printf '%s\\n' \"$1\" > \"$2\"", "sh", password, passwordFile]));
            Run(AsServerUser(Path.Combine(bin, "initdb"), ["-D", server.DataDirectory, "-U", User, "--pwfile", passwordFile,
                "--auth-local=trust", "--auth-host=scram-sha-256", "--encoding=UTF8", "--locale=C.UTF-8", "--no-sync"]));
            Run(AsServerUser("rm", ["-f", passwordFile]));
            await server.StartAsync();
            server.CreateDatabase(server.Database);
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// Removes the folders of earlier runs whose test process is gone and whose server is stopped
    /// (a process killed outright gets no chance to clean up, and its watchdog may have died with it).
    /// </summary>
    private static void RemoveAbandoned()
    {
        foreach (var folder in Directory.GetDirectories(Path.GetDirectoryName(Prefix)!, Path.GetFileName(Prefix) + "*"))
        {
            try
            {
                var owner = File.ReadAllText(Path.Combine(folder, "owner")).Trim();
                if (!Directory.Exists($"/proc/{owner}") && !File.Exists(Path.Combine(folder, "data", "postmaster.pid")))
                {
                    TryRun(AsServerUser("rm", ["-rf", folder]));
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Not ours to judge (no owner file, or not readable): left alone.
            }
        }
    }

    public string ConnectionStringFor(string database) =>
        $"Host={Host};Port={Port};Database={database};Username={User};Password={Password};Timeout=15;Command Timeout=30";

    /// <summary>Creates an empty database and returns its connection string.</summary>
    public string CreateDatabase(string name)
    {
        Psql("postgres", $"CREATE DATABASE \"{name}\"");
        return ConnectionStringFor(name);
    }

    /// <summary>Runs SQL through psql on the unix socket (as the superuser) and returns its output (unaligned, tuples only).</summary>
    public string Psql(string database, string sql) =>
        RunBin("psql", "-h", SocketDirectory, "-p", Port.ToString(), "-U", User, "-d", database, "-v", "ON_ERROR_STOP=1", "-At", "-c", sql);

    /// <summary>Runs one of the server's programs (pg_dump, pg_restore, ...) as the server's user; returns stdout.</summary>
    public string RunBin(string program, params string[] arguments) => Run(AsServerUser(Path.Combine(BinDirectory, program), arguments));

    /// <summary>The unix socket folder (psql -h), also where files for the server's user can go.</summary>
    public string SocketDirectory => root;

    /// <summary>Starts the server (again, after <see cref="StopAsync"/>) on the same port and waits until it accepts connections.</summary>
    public async Task StartAsync()
    {
        if (IsRunning)
        {
            return;
        }

        // The watchdog runs postgres and waits for it; if this test process goes away without
        // disposing (crash, kill), it stops postgres and removes the folder.
        var script = """
            "$1/postgres" -D "$2/data" -p "$3" -k "$2" -c listen_addresses=127.0.0.1 \
              -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300 \
              >>"$2/postgres.log" 2>&1 &
            pg=$!
            trap 'kill -INT $pg 2>/dev/null; wait $pg; exit 0' TERM INT
            while kill -0 $pg 2>/dev/null; do
              if [ ! -d "/proc/$4" ]; then kill -INT $pg; break; fi
              sleep 1
            done
            wait $pg
            # The test process went away: clean up (a later run sweeps what is left, RemoveAbandoned).
            if [ ! -d "/proc/$4" ]; then rm -rf "$2"; fi
            """;
        var start = StartInfo(AsServerUser("sh", ["-c", script, "sh", BinDirectory, root, Port.ToString(), Environment.ProcessId.ToString()]));
        watchdog = Process.Start(start) ?? throw new InvalidOperationException("The PostgreSQL watchdog did not start.");
        var deadline = DateTime.UtcNow + ReadyTimeout;
        while (!IsReady())
        {
            if (watchdog.HasExited || DateTime.UtcNow > deadline)
            {
                throw new InvalidOperationException($"PostgreSQL did not start on port {Port}:\n{ReadLog()}");
            }

            await Task.Delay(100);
        }
    }

    /// <summary>Stops the server (fast shutdown: open connections are closed); the data stays.</summary>
    public async Task StopAsync()
    {
        if (watchdog is null)
        {
            return;
        }

        if (!watchdog.HasExited)
        {
            TryRun(AsServerUser(Path.Combine(BinDirectory, "pg_ctl"), ["stop", "-D", DataDirectory, "-m", "fast", "-w", "-t", "30"]));
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            try
            {
                await watchdog.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                watchdog.Kill(entireProcessTree: true);
            }
        }

        watchdog.Dispose();
        watchdog = null;
    }

    public void Start() => StartAsync().GetAwaiter().GetResult();

    public void Stop() => StopAsync().GetAwaiter().GetResult();

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        // Files belong to the server's user; remove them as that user (root could, a plain user could not otherwise).
        TryRun(AsServerUser("rm", ["-rf", root]));
    }

    public string ReadLog()
    {
        try
        {
            return File.ReadAllText(LogFile);
        }
        catch (IOException e)
        {
            return $"(no log: {e.Message})";
        }
        catch (UnauthorizedAccessException e)
        {
            return $"(no log: {e.Message})";
        }
    }

    private bool IsReady() =>
        TryRun((Path.Combine(BinDirectory, "pg_isready"), ["-h", Host, "-p", Port.ToString(), "-U", User, "-d", "postgres", "-t", "1"]));

    private static string FindBinDirectory()
    {
        var fromEnvironment = Environment.GetEnvironmentVariable("POSTGRES_BIN");
        if (!string.IsNullOrEmpty(fromEnvironment) && File.Exists(Path.Combine(fromEnvironment, "initdb")))
        {
            return fromEnvironment;
        }

        const string debian = "/usr/lib/postgresql";
        if (Directory.Exists(debian))
        {
            var newest = Directory.GetDirectories(debian)
                .Select(d => (Dir: Path.Combine(d, "bin"), Version: int.TryParse(Path.GetFileName(d), out var v) ? v : 0))
                .Where(d => File.Exists(Path.Combine(d.Dir, "initdb")))
                .OrderByDescending(d => d.Version)
                .Select(d => d.Dir)
                .FirstOrDefault();
            if (newest is not null)
            {
                return newest;
            }
        }

        try
        {
            var bin = Run("pg_config", "--bindir").Trim();
            if (File.Exists(Path.Combine(bin, "initdb")))
            {
                return bin;
            }
        }
        catch (InvalidOperationException)
        {
            // Falls through to the message below.
        }

        throw new InvalidOperationException(
            "PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb, no pg_config); run ./scripts/test.sh, which installs Debian's 'postgresql'.");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static (string FileName, string[] Arguments) AsServerUser(string program, string[] arguments) =>
        IsRoot ? ("runuser", ["-u", User, "--", program, .. arguments]) : (program, arguments);

    private static ProcessStartInfo StartInfo((string FileName, string[] Arguments) command)
    {
        var start = new ProcessStartInfo(command.FileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            // The server's user may not be allowed into the test's working directory.
            WorkingDirectory = "/",
        };
        foreach (var argument in command.Arguments)
        {
            start.ArgumentList.Add(argument);
        }

        return start;
    }

    private static string Run(string program, params string[] arguments) => Run((program, arguments));

    private static string Run((string FileName, string[] Arguments) command)
    {
        var (exit, output, error) = Execute(command);
        if (exit != 0)
        {
            throw new InvalidOperationException($"{command.FileName} {string.Join(' ', command.Arguments)} failed ({exit}): {error}{output}");
        }

        return output;
    }

    private static bool TryRun((string FileName, string[] Arguments) command)
    {
        try
        {
            return Execute(command).Exit == 0;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    private static (int Exit, string Output, string Error) Execute((string FileName, string[] Arguments) command)
    {
        Process process;
        try
        {
            process = Process.Start(StartInfo(command)) ?? throw new InvalidOperationException($"{command.FileName} did not start.");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException($"'{command.FileName}' could not run ({e.Message}); run ./scripts/test.sh, which installs PostgreSQL.", e);
        }

        using (process)
        {
            var output = process.StandardOutput.ReadToEndAsync();
            var error = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(120_000))
            {
                process.Kill(entireProcessTree: true);
                throw new InvalidOperationException($"{command.FileName} did not finish in 2 minutes.");
            }

            return (process.ExitCode, output.GetAwaiter().GetResult(), error.GetAwaiter().GetResult());
        }
    }
}
