using Educloud.Idp.Testing;

namespace Educloud.Idp.Benchmarks;

/// <summary>
/// The IdP processes under load, all on one database: one on SQLite (a file), or 1..N on a throwaway
/// PostgreSQL server. They share the key files (one Keys:DevelopmentKeysDirectory), the benchmark
/// clients' secrets and every setting, so they are interchangeable replicas; the first migrates and
/// makes the first Data Protection key, the others start once it is ready, without migrating.
/// Each replica keeps its own origin (port and certificate): the built-in ID-porten simulator holds
/// its codes in memory per process and the IdP calls it back on its own issuer, and in Development
/// the IdP's issuer follows the request's host. So a load worker keeps to one replica
/// (<see cref="For"/>), and a refresh chain is rotated where it began.
/// </summary>
public sealed class IdpReplicas : IOidcServers, IAsyncDisposable
{
    private readonly List<IdpProcess> processes;
    private readonly PostgresServer? postgres;
    private int disposed;

    private IdpReplicas(List<IdpProcess> processes, PostgresServer? postgres, string database)
    {
        this.processes = processes;
        this.postgres = postgres;
        Database = database;
    }

    public IReadOnlyList<IdpProcess> All => processes;

    public IReadOnlyList<IOidcServer> Servers => processes;

    public int Count => processes.Count;

    /// <summary>"SQLite" or "PostgreSQL", for the printed rows.</summary>
    public string Database { get; }

    /// <summary>The replica that load worker (or refresh chain) <paramref name="worker"/> sends every request to.</summary>
    public IdpProcess For(int worker) => processes[worker % processes.Count];

    public int Warnings => processes.Sum(p => p.Warnings);

    /// <summary>SQL run on the PostgreSQL database through psql (null on SQLite).</summary>
    public string? Psql(string sql) => postgres?.Psql(postgres.Database, sql);

    /// <summary>What the rows ran on, e.g. "PostgreSQL, 2 replicas".</summary>
    public string Description => $"{Database}, {Count} replica{(Count == 1 ? "" : "s")}";

    public static async Task<IdpReplicas> StartAsync(BenchmarkOptions options, string idpPath, string temp)
    {
        // The same key files for every replica (the first one generates them, Development only).
        var shared = new List<KeyValuePair<string, string>> { new("Keys__DevelopmentKeysDirectory", Path.Combine(temp, "keys")) };
        PostgresServer? postgres = null;
        if (options.Database == BenchmarkOptions.PostgreSqlDatabase)
        {
            Console.WriteLine("Starting a throwaway PostgreSQL server ...");
            postgres = await PostgresServer.StartNewAsync();
            Console.WriteLine($"PostgreSQL at {postgres.Host}:{postgres.Port} ({postgres.BinDirectory}), log {postgres.LogFile}");
            shared.Add(new("Database__Provider", "PostgreSql"));
            shared.Add(new("Database__ConnectionString", options.PostgresPool > 0
                ? $"{postgres.ConnectionString};Maximum Pool Size={options.PostgresPool}"
                : postgres.ConnectionString));
        }

        var replicas = new IdpReplicas([], postgres, postgres is null ? "SQLite" : "PostgreSQL");
        try
        {
            for (var i = 0; i < options.Replicas; i++)
            {
                // The first migrates (IdpProcess's default); the others find the schema current, as a
                // replica after the deployment's migrate job would.
                IEnumerable<KeyValuePair<string, string>> environment = i == 0 ? shared : [.. shared, new("Database__MigrateOnStartup", "false")];
                var port = options.Port > 0 ? options.Port + (2 * i) : 0;
                var idp = await IdpProcess.StartAsync(idpPath, Path.Combine(temp, "run" + i), port, options.Keep, [.. environment, .. options.ExtraEnvironment], peer: replicas.processes.FirstOrDefault());
                replicas.processes.Add(idp);
                Console.WriteLine($"IdP replica {i} ({idpPath}) on {replicas.Database} at {idp.Origin} (pid {idp.ProcessId}), log {idp.LogPath}");
            }

            return replicas;
        }
        catch
        {
            await replicas.DisposeAsync();
            throw;
        }
    }

    /// <summary>Keep-alive HTTP/1.1 connections (per replica) that trust exactly these replicas' certificates.</summary>
    public SocketsHttpHandler CreateHandler(int connections) => IdpProcess.CreateHandler(processes.Select(p => p.CertificateHash), connections);

    public async ValueTask DisposeAsync()
    {
        // Stopped early with --peer (the peer's rows run alone), and again at the end.
        if (Interlocked.Exchange(ref disposed, 1) == 1)
        {
            return;
        }

        foreach (var idp in processes)
        {
            await idp.DisposeAsync();
        }

        if (postgres is not null)
        {
            await postgres.DisposeAsync();
        }
    }
}
