using System.Data.Common;
using System.Runtime.CompilerServices;
using Educloud.Idp.Connect;
using Educloud.Idp.Keys;
using Educloud.Idp.Settings;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.Identity;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Npgsql;

namespace Educloud.Idp.Data;

public static partial class DataExtensions
{
    public static WebApplicationBuilder AddIdpData(this WebApplicationBuilder builder)
    {
        var database = builder.GetValidated(DatabaseOptions.Section, new DatabaseOptionsValidator());
        switch (database.Provider)
        {
            case DatabaseProvider.Sqlite:
                var connectionString = SqliteConnectionString(database.ConnectionString, builder.Environment.ContentRootPath);
                // Pooled contexts: a token request resolves the context several times over (OpenIddict's
                // stores, Identity, our own services); pooling saves building one per request scope
                // (docs/performance.md). Nothing here keeps state in the context beyond a request.
                var pragmas = new SqlitePragmas();
                builder.Services.AddDbContextPool<IdpDbContext, SqliteIdpDbContext>(options =>
                {
                    options.UseSqlite(connectionString);
                    options.AddInterceptors(pragmas);
                });
                // One process owns the file: an app change empties this process's app cache.
                builder.Services.AddSingleton(new CachedApplications(active: true));
                builder.Services.AddSingleton<IApplicationChanges, InProcessApplicationChanges>();
                break;
            case DatabaseProvider.PostgreSql:
                // Pooled contexts for the same reason; Npgsql pools the connections underneath.
                // No retrying execution strategy: the services open their own transactions around
                // conditional UPDATEs (TotpService), which a retrying strategy refuses, and a
                // retried security decision is better failed and redone by the person.
                var postgreSql = PostgreSqlConnectionString(database.ConnectionString);
                builder.Services.AddDbContextPool<IdpDbContext, PostgreSqlIdpDbContext>(options =>
                    options.UseNpgsql(postgreSql, npgsql => npgsql.MigrationsHistoryTable("__EFMigrationsHistory")));
                // Replicas share the database: app changes travel by NOTIFY, and the app cache is
                // used only while this replica listens (PostgreSqlApplicationChanges).
                builder.Services.AddSingleton(new CachedApplications(active: false));
                builder.Services.AddSingleton(services => new PostgreSqlApplicationChanges(postgreSql,
                    services.GetRequiredService<CachedApplications>(), services.GetRequiredService<ILogger<PostgreSqlApplicationChanges>>()));
                builder.Services.AddSingleton<IApplicationChanges>(services => services.GetRequiredService<PostgreSqlApplicationChanges>());
                builder.Services.AddHostedService(services => services.GetRequiredService<PostgreSqlApplicationChanges>());
                break;
            default:
                throw new InvalidOperationException($"Database:Provider '{database.Provider}' is not known.");
        }

        builder.Services.AddIdentityCore<IdpUser>(options =>
            {
                options.User.RequireUniqueEmail = false;
                // NIST 800-63B rev 4 3.1.1.2: length, no composition rules (they make passwords worse, not stronger).
                options.Password.RequiredLength = FieldLimits.PasswordMin;
                options.Password.RequireDigit = false;
                options.Password.RequireLowercase = false;
                options.Password.RequireUppercase = false;
                options.Password.RequireNonAlphanumeric = false;
                options.Password.RequiredUniqueChars = 4;
                // No Identity lockout: anyone who knows a username could lock the person out with it
                // (issue 8). Wrong passwords slow down the address that sends them instead
                // (LocalAccounts/PasswordThrottle, settings LocalAccounts:Password*); nothing here
                // counts failures (CheckPasswordAsync never does), so its numbers would be dead settings.
                options.Lockout.AllowedForNewUsers = false;
            })
            .AddRoles<IdentityRole>()
            .AddEntityFrameworkStores<IdpDbContext>();

        builder.Services.AddScoped<AuditLog>();
        builder.Services.AddSingleton<Pruning>();
        builder.Services.AddHostedService(services => services.GetRequiredService<Pruning>());

        // The key ring lives in the database so restarts and replicas can read what others protected,
        // encrypted there under a key from outside the database (Keys/KeyRingEncryption.cs).
        builder.Services.AddDataProtection()
            .SetApplicationName("Educloud.Idp")
            .PersistKeysToDbContext<IdpDbContext>();
        builder.Services.AddOptions<KeyManagementOptions>()
            .Configure<KeyMaterial>((options, keys) => options.XmlEncryptor = new KeyRingXmlEncryptor(keys.KeyRing));

        return builder;
    }

    /// <summary>
    /// Applies migrations when configured (Development), refuses to run on an outdated schema
    /// otherwise, and applies the research apps from configuration.
    /// </summary>
    public static async Task InitializeIdpDatabaseAsync(this WebApplication app, bool migrate)
    {
        await using var scope = app.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<IdpDbContext>();
        var logger = scope.ServiceProvider.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(DataExtensions));
        var pending = (await db.Database.GetPendingMigrationsAsync()).ToList();
        if (pending.Count > 0)
        {
            if (!migrate)
            {
                throw new InvalidOperationException(
                    $"The database schema is {pending.Count} migration(s) behind. Run the IdP with the 'migrate' command first (or set Database:MigrateOnStartup).");
            }

            LogMigrating(logger, pending.Count);
            await db.Database.MigrateAsync();
        }

        // The first Data Protection key is made here, by the migration job (or the first start),
        // not lazily by the first request: replicas starting together on an empty key ring would
        // each make a key of their own and not read each other's cookies until they reload the ring.
        scope.ServiceProvider.GetRequiredService<IDataProtectionProvider>().CreateProtector("Educloud.Idp.KeyRing.FirstKey").Protect([0]);
        await scope.ServiceProvider.GetRequiredService<ClientRegistrar>().ApplyAsync(CancellationToken.None);
    }

    private static string SqliteConnectionString(string configured, string contentRoot)
    {
        var builder = new SqliteConnectionStringBuilder(configured);
        if (!string.IsNullOrEmpty(builder.DataSource) && builder.DataSource != ":memory:" && !builder.DataSource.StartsWith("file:", StringComparison.Ordinal))
        {
            builder.DataSource = Path.GetFullPath(builder.DataSource, contentRoot);
            Directory.CreateDirectory(Path.GetDirectoryName(builder.DataSource)!);
        }

        return builder.ToString();
    }

    /// <summary>
    /// The operator's connection string, with what the IdP relies on made explicit: pooling on,
    /// multiplexing off (it shares one connection between commands, which hides which transaction
    /// a statement runs in; DatabaseOptionsValidator refuses it), and an application name so that
    /// pg_stat_activity shows whose connections they are. Timeouts keep Npgsql's defaults
    /// (15 s to connect, 30 s per command) unless the operator sets them.
    /// </summary>
    internal static string PostgreSqlConnectionString(string configured)
    {
        var builder = new NpgsqlConnectionStringBuilder(configured) { Pooling = true, Multiplexing = false };
        if (string.IsNullOrEmpty(builder.ApplicationName))
        {
            builder.ApplicationName = "Educloud.Idp";
        }

        // The IdP sends the same few dozen statements all day: prepared once per pooled connection,
        // PostgreSQL skips parsing and planning them (docs/performance.md, "PostgreSQL").
        if (!Sets(configured, nameof(builder.MaxAutoPrepare)))
        {
            builder.MaxAutoPrepare = 64;
        }

        // Npgsql resets a pooled connection's session state (RESET ALL, CLOSE ALL, UNLISTEN *,
        // pg_advisory_unlock_all, DISCARD ...) before its next command, and EF Core returns the
        // connection to the pool after every query and save: seven server-side commands in front
        // of each of ours. The IdP leaves no session state behind (no SET, no LISTEN, no temp
        // tables; the pruning leader releases its advisory lock itself, Pruning.cs), so the reset
        // is pure cost (docs/performance.md, "PostgreSQL"). An operator may still ask for it.
        if (!Sets(configured, nameof(builder.NoResetOnClose)))
        {
            builder.NoResetOnClose = true;
        }

        return builder.ConnectionString;
    }

    /// <summary>
    /// Whether the operator's connection string sets this property, under any of its spellings
    /// ("No Reset On Close", "NoResetOnClose"): Npgsql's typed builder knows every keyword, set or not.
    /// </summary>
    private static bool Sets(string configured, string property) =>
        new System.Data.Common.DbConnectionStringBuilder { ConnectionString = configured }.Keys.Cast<string>()
            .Any(key => string.Equals(key.Replace(" ", "", StringComparison.Ordinal), property, StringComparison.OrdinalIgnoreCase));

    [LoggerMessage(EventId = 5001, Level = LogLevel.Information, Message = "Applying {Count} database migration(s)")]
    private static partial void LogMigrating(ILogger logger, int count);

    /// <summary>
    /// WAL lets readers run beside the one writer; synchronous=NORMAL is durable in WAL mode except
    /// for the last commits on power loss; busy_timeout makes a second writer wait instead of failing.
    /// <para>
    /// EF Core opens and closes the connection around every query and save (a refresh grant does
    /// about a dozen), and Microsoft.Data.Sqlite hands back the same native connection from its
    /// pool each time. The settings live on that native connection, so they are applied the first
    /// time it is seen rather than on every open (docs/performance.md).
    /// </para>
    /// </summary>
    private sealed class SqlitePragmas : DbConnectionInterceptor
    {
        private const string Pragmas = "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=10000; PRAGMA foreign_keys=ON;";

        // Keyed weakly by the native connection: an entry goes when the pool lets the connection go.
        private readonly ConditionalWeakTable<object, object> configured = [];

        public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData)
        {
            if (IsConfigured(connection))
            {
                return;
            }

            using var command = connection.CreateCommand();
            command.CommandText = Pragmas;
            command.ExecuteNonQuery();
            Remember(connection);
        }

        public override async Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
        {
            if (IsConfigured(connection))
            {
                return;
            }

            await using var command = connection.CreateCommand();
            command.CommandText = Pragmas;
            await command.ExecuteNonQueryAsync(cancellationToken);
            Remember(connection);
        }

        private bool IsConfigured(DbConnection connection) =>
            connection is SqliteConnection { Handle: { } handle } && configured.TryGetValue(handle, out _);

        // Only after the pragmas succeeded: a failed attempt is tried again on the next open.
        private void Remember(DbConnection connection)
        {
            if (connection is SqliteConnection { Handle: { } handle })
            {
                configured.AddOrUpdate(handle, handle);
            }
        }
    }
}
