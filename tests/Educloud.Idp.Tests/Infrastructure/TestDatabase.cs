using Educloud.Idp.Testing;
using Npgsql;

namespace Educloud.Idp.Tests.Infrastructure;

/// <summary>Which database an in-process IdP runs on.</summary>
public enum TestDatabase
{
    /// <summary>A SQLite file in the host's temp folder (the embedded default).</summary>
    Sqlite,

    /// <summary>A fresh database of its own on the one PostgreSQL server of the test run.</summary>
    PostgreSql,
}

/// <summary>
/// The one PostgreSQL server of a test run, started on first use and stopped when the test
/// process exits (its watchdog stops it and removes its folder if the process dies instead).
/// Every IdpHost on PostgreSQL gets a database of its own on it, so test classes stay independent.
/// </summary>
public static class PostgreSqlTestServer
{
    private static readonly Lazy<PostgresServer> Server = new(Start, LazyThreadSafetyMode.ExecutionAndPublication);

    public static PostgresServer Instance => Server.Value;

    /// <summary>Creates an empty database; returns its name and connection string.</summary>
    public static (string Name, string ConnectionString) CreateDatabase()
    {
        var name = "idp_" + Guid.NewGuid().ToString("N");
        // A pool per database: small, so that many hosts at once stay below max_connections.
        return (name, Instance.CreateDatabase(name) + ";Maximum Pool Size=30");
    }

    /// <summary>Drops a database, ending what is still connected to it.</summary>
    public static void DropDatabase(string name, string connectionString)
    {
        NpgsqlConnection.ClearPool(new NpgsqlConnection(Educloud.Idp.Data.DataExtensions.PostgreSqlConnectionString(connectionString)));
        NpgsqlConnection.ClearPool(new NpgsqlConnection(connectionString));
        Instance.Psql("postgres", $"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)");
    }

    private static PostgresServer Start()
    {
        var server = PostgresServer.StartNewAsync().GetAwaiter().GetResult();
        AppDomain.CurrentDomain.ProcessExit += (_, _) => server.DisposeAsync().AsTask().GetAwaiter().GetResult();
        return server;
    }
}
