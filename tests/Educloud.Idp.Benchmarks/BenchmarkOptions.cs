using System.Globalization;

namespace Educloud.Idp.Benchmarks;

/// <summary>Command-line options. Every loop the benchmark runs is bounded by these numbers.</summary>
public sealed class BenchmarkOptions
{
    /// <summary>A published IdP (its folder or Educloud.Idp.dll); when absent the benchmark publishes src/IdP itself.</summary>
    public string? IdpPath { get; private set; }

    public TimeSpan Duration { get; private set; } = TimeSpan.FromSeconds(10);

    public TimeSpan Warmup { get; private set; } = TimeSpan.FromSeconds(3);

    /// <summary>
    /// Unmeasured load before the rows: for logins, and again for the token grants. A fresh .NET
    /// process compiles each method three times (tier 0, instrumented, tier 1 with PGO); at a few
    /// hundred requests per second that takes tens of seconds, and until then the numbers measure
    /// the JIT, not the IdP.
    /// </summary>
    public TimeSpan JitWarmup { get; private set; } = TimeSpan.FromSeconds(30);

    /// <summary>People logged in before the refresh runs; each refresh worker rotates its own chain.</summary>
    public int Users { get; private set; } = 64;

    public IReadOnlyList<int> Concurrency { get; private set; } = [1, 16, 32];

    /// <summary>Concurrent workers for the whole-login rows, each doing one login after another.</summary>
    public IReadOnlyList<int> LoginConcurrency { get; private set; } = [1, 8, 16];

    /// <summary>
    /// People who set up an authenticator during setup and then take turns in the whole-login rows.
    /// Each may type one code per 30-s step, so the pool sustains about this many / 30 logins per
    /// second. Null (the default): <see cref="InitialLoginPeople"/> first, then as many as the first
    /// login load's rate needs.
    /// </summary>
    public int? LoginPeople { get; private set; }

    public const string SqliteDatabase = "sqlite";

    public const string PostgreSqlDatabase = "postgresql";

    public const int InitialLoginPeople = 1_200;

    public const int MaxLoginPeople = 30_000;

    /// <summary>Logins at a time during setup (enrolling every person).</summary>
    public int SetupConcurrency { get; private set; } = 8;

    /// <summary>Calls per round of the in-process TOTP verification measurement.</summary>
    public int TotpIterations { get; private set; } = 200_000;

    public bool Login { get; private set; } = true;

    /// <summary>TOTP verification alone, in-process (no IdP needed).</summary>
    public bool Totp { get; private set; } = true;

    public bool Refresh { get; private set; } = true;

    public bool ClientCredentials { get; private set; } = true;

    /// <summary>Also load client_credentials with wrk (when it is installed), as a cross-check of the load generator.</summary>
    public bool Wrk { get; private set; }

    /// <summary>
    /// After the IdP's rows, the same rows against node oidc-provider (peer/server.mjs, <see cref="PeerProcess"/>),
    /// then memory and first token after a cold start for both, printed side by side with ratios.
    /// </summary>
    public bool Peer { get; private set; }

    /// <summary>
    /// How many times each row runs; with --peer on the IdP and the peer in turn, the order swapped
    /// every round (default 3 with --peer, 1 without).
    /// </summary>
    public int Rounds { get; private set; } = 1;

    /// <summary>
    /// After each token row at the highest --concurrency, the same grant in an open loop at half the
    /// rate the row reached, for latency (default on; --no-half-rate turns it off).
    /// </summary>
    public bool HalfRate { get; private set; } = true;

    /// <summary>Publish the IdP ReadyToRun, as the image does (default), or JIT only (--jit-only), as `dotnet run` runs it.</summary>
    public bool ReadyToRun { get; private set; } = true;

    /// <summary>Where to write the results as Markdown (besides the console).</summary>
    public string? MarkdownPath { get; private set; }

    public int Port { get; private set; }

    /// <summary>Every request straight to the IdP's HTTPS port instead of plain HTTP as from a TLS-terminating proxy.</summary>
    public bool Tls { get; private set; }

    /// <summary>Keep the temporary folder (database, keys, server log) for inspection.</summary>
    public bool Keep { get; private set; }

    /// <summary>"sqlite" (a file per run) or "postgresql" (a throwaway server, tests/Shared/PostgresServer.cs).</summary>
    public string Database { get; private set; } = "sqlite";

    /// <summary>IdP processes on the one database (more than one needs PostgreSQL); load worker i uses replica i mod N.</summary>
    public int Replicas { get; private set; } = 1;

    /// <summary>Npgsql's Maximum Pool Size per replica, when set (0: Npgsql's default, 100).</summary>
    public int PostgresPool { get; private set; }

    /// <summary>Extra configuration for the IdP process (KEY=VALUE, e.g. an experiment switch).</summary>
    public IReadOnlyList<KeyValuePair<string, string>> ExtraEnvironment { get; private set; } = [];

    public const string Usage = """
        Educloud IdP benchmark: whole logins, the token endpoint, TOTP verification (docs/performance.md).

          dotnet run -c Release --project tests/Educloud.Idp.Benchmarks -- [options]

          --idp PATH            a published IdP folder or Educloud.Idp.dll (default: publish src/IdP to a temp folder,
                                ReadyToRun for this machine as the image is built)
          --jit-only            publish without ReadyToRun (as `dotnet run` runs it)
          --duration SECONDS    measured time per run (default 10)
          --warmup SECONDS      unmeasured time before each run (default 3)
          --jit-warmup SECONDS  unmeasured load before the rows, until the JIT has settled: for logins (at least 10,
                                it also sizes the login pool), and again for the token grants (default 30)
          --users N             people logged in for refresh chains (default 64; at least the highest concurrency)
          --concurrency LIST    concurrent connections for the token rows, comma-separated (default 1,16,32)
          --grants LIST         login,refresh_token,client_credentials,totp (default all): login = whole logins,
                                totp = TOTP verification alone, in-process (alone it needs no IdP)
          --login-concurrency LIST  concurrent workers for the whole-login rows (default 1,8,16)
          --login-people N      people enrolled for the whole-login rows; N/30 logins/s at most (default: 1200,
                                then as many as the rate of the first login load needs)
          --setup-concurrency N logins at a time while enrolling everyone during setup (default 8)
          --totp-iterations N   calls per round of the in-process TOTP verification measurement (default 200000)
          --wrk                 also load client_credentials with wrk, if installed
          --markdown FILE       write the results as Markdown to FILE
          --peer                the same rows against node oidc-provider too (peer/server.mjs, installed with npm ci
                                when node_modules is missing; needs node and npm), row by row in turn with the IdP,
                                then resident memory and first token after a cold start of both, side by side with ratios
          --rounds N            times each row runs (default 3 with --peer, else 1); with --peer the IdP and the
                                peer take turns, the order swapped every round, and each ratio is the median of N
          --no-half-rate        skip the open-loop row that follows each token row at the highest --concurrency: the
                                same grant at half the rate that row reached, latency counted from when each
                                request was due (for p99 at half the maximum rate)
          --tls                 every request (login pages and token requests) over HTTPS to the IdP itself
                                (default: plain HTTP with X-Forwarded-Proto, as from a TLS-terminating proxy)
          --port N              HTTPS port on 127.0.0.1, N+1 for plain HTTP; replica k on N+2k (default: free ones)
          --database NAME       sqlite (default: a fresh file) or postgresql (a throwaway local server, the newest
                                installed PostgreSQL; stopped and removed at the end)
          --replicas N          IdP processes on the one database (default 1; more need --database postgresql): the
                                first migrates, the others start after it with the same key files and settings;
                                load worker (login worker, token connection) i sends every request to replica i mod N
          --postgres-pool N     Npgsql's Maximum Pool Size for each replica (default: Npgsql's, 100): how many
                                PostgreSQL backends one replica may keep busy at once
          --env KEY=VALUE       extra environment for the IdP process (repeatable)
          --keep                keep the temporary folder (database, keys, server log)
        """;

    public static BenchmarkOptions Parse(string[] args)
    {
        var options = new BenchmarkOptions();
        var extra = new List<KeyValuePair<string, string>>();
        int? rounds = null;
        for (var i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.");
            switch (args[i])
            {
                case "--idp":
                    options.IdpPath = Next();
                    break;
                case "--duration":
                    options.Duration = Seconds(Next());
                    break;
                case "--warmup":
                    options.Warmup = Seconds(Next());
                    break;
                case "--jit-warmup":
                    options.JitWarmup = Seconds(Next());
                    break;
                case "--users":
                    options.Users = Positive(Next());
                    break;
                case "--concurrency":
                    options.Concurrency = [.. Next().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(Positive)];
                    break;
                case "--grants":
                    var grants = Next().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                    options.Login = grants.Contains("login");
                    options.Totp = grants.Contains("totp");
                    options.Refresh = grants.Contains("refresh_token");
                    options.ClientCredentials = grants.Contains("client_credentials");
                    if (grants.Length == 0 || grants.Except(["login", "refresh_token", "client_credentials", "totp"]).Any())
                    {
                        throw new ArgumentException("--grants takes login, refresh_token, client_credentials and/or totp.");
                    }

                    break;
                case "--login-concurrency":
                    options.LoginConcurrency = [.. Next().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(Positive)];
                    break;
                case "--login-people":
                    options.LoginPeople = Positive(Next());
                    break;
                case "--setup-concurrency":
                    options.SetupConcurrency = Positive(Next());
                    break;
                case "--totp-iterations":
                    options.TotpIterations = Positive(Next());
                    break;
                case "--wrk":
                    options.Wrk = true;
                    break;
                case "--peer":
                    options.Peer = true;
                    break;
                case "--jit-only":
                    options.ReadyToRun = false;
                    break;
                case "--rounds":
                    rounds = Positive(Next());
                    break;
                case "--markdown":
                    options.MarkdownPath = Next();
                    break;
                case "--port":
                    options.Port = Positive(Next());
                    break;
                case "--database":
                    options.Database = Next().ToLowerInvariant() is var database and (SqliteDatabase or PostgreSqlDatabase)
                        ? database
                        : throw new ArgumentException("--database takes sqlite or postgresql.");
                    break;
                case "--replicas":
                    options.Replicas = Positive(Next());
                    break;
                case "--postgres-pool":
                    options.PostgresPool = Positive(Next());
                    break;
                case "--env":
                    var pair = Next();
                    var eq = pair.IndexOf('=', StringComparison.Ordinal);
                    if (eq <= 0)
                    {
                        throw new ArgumentException("--env takes KEY=VALUE.");
                    }

                    extra.Add(new(pair[..eq], pair[(eq + 1)..]));
                    break;
                case "--tls":
                    options.Tls = true;
                    break;
                case "--no-half-rate":
                    options.HalfRate = false;
                    break;
                case "--keep":
                    options.Keep = true;
                    break;
                case "-h" or "--help":
                    Console.WriteLine(Usage);
                    Environment.Exit(0);
                    break;
                default:
                    throw new ArgumentException($"Unknown option {args[i]}.\n{Usage}");
            }
        }

        options.ExtraEnvironment = extra;
        options.Rounds = rounds ?? (options.Peer ? 3 : 1);
        if (options.Rounds > 20)
        {
            throw new ArgumentException("--rounds takes 1 to 20.");
        }
        if (options.Concurrency.Count == 0 || options.Concurrency.Max() > 512)
        {
            throw new ArgumentException("--concurrency takes 1 to 512 connections.");
        }

        if (options.LoginConcurrency.Count == 0 || options.LoginConcurrency.Max() > 512 || options.SetupConcurrency > 64)
        {
            throw new ArgumentException("--login-concurrency takes 1 to 512 workers, --setup-concurrency at most 64.");
        }

        if (options.LoginPeople > MaxLoginPeople || options.Users > 100_000 || options.TotpIterations > 100_000_000)
        {
            throw new ArgumentException($"Runs are bounded: --login-people at most {MaxLoginPeople}, --users at most 100000, --totp-iterations at most 100000000.");
        }

        if (options.Replicas > 8 || (options.Replicas > 1 && options.Database != PostgreSqlDatabase))
        {
            throw new ArgumentException("--replicas takes 1 to 8, and more than 1 needs --database postgresql (SQLite is one process on one file).");
        }

        if (options.Peer && options.Tls)
        {
            throw new ArgumentException("--peer compares plain HTTP as from a TLS-terminating proxy (the peer has no TLS): not with --tls.");
        }

        options.Users = Math.Max(options.Users, options.Concurrency.Max());
        // Every worker holds a person while it logs in; the pool must have more than that.
        if (options.LoginPeople is { } people)
        {
            options.LoginPeople = Math.Max(people, options.LoginConcurrency.Max() * 4);
        }
        if (options.Duration > TimeSpan.FromMinutes(10) || options.Warmup > TimeSpan.FromMinutes(2) || options.JitWarmup > TimeSpan.FromMinutes(5))
        {
            throw new ArgumentException("Runs are bounded: --duration at most 600 s, --warmup at most 120 s, --jit-warmup at most 300 s.");
        }

        return options;
    }

    private static TimeSpan Seconds(string value)
    {
        var seconds = double.Parse(value, CultureInfo.InvariantCulture);
        return seconds >= 0 ? TimeSpan.FromSeconds(seconds) : throw new ArgumentException("Seconds cannot be negative.");
    }

    private static int Positive(string value)
    {
        var number = int.Parse(value, CultureInfo.InvariantCulture);
        return number > 0 ? number : throw new ArgumentException($"{value} is not a positive number.");
    }
}
