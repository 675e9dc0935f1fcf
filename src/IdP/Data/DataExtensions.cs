using System.Data.Common;
using Educloud.Idp.Connect;
using Educloud.Idp.Settings;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Identity;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;

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
                var pragmas = new SqlitePragmas();
                if (Environment.GetEnvironmentVariable("EXP_POOL") == "1")
                {
                    builder.Services.AddDbContextPool<IdpDbContext, SqliteIdpDbContext>(options =>
                    {
                        options.UseSqlite(connectionString);
                        options.AddInterceptors(pragmas);
                    });
                }
                else
                {
                    builder.Services.AddDbContext<IdpDbContext, SqliteIdpDbContext>(options =>
                    {
                        options.UseSqlite(connectionString);
                        options.AddInterceptors(pragmas);
                    });
                }

                break;
            default:
                throw new InvalidOperationException($"Database:Provider '{database.Provider}' is not available yet (only Sqlite).");
        }

        builder.Services.AddIdentityCore<IdpUser>(options =>
            {
                options.User.RequireUniqueEmail = false;
                // NIST 800-63B rev 4 3.1.1.2: length, no composition rules (they make passwords worse, not stronger).
                options.Password.RequiredLength = 12;
                options.Password.RequireDigit = false;
                options.Password.RequireLowercase = false;
                options.Password.RequireUppercase = false;
                options.Password.RequireNonAlphanumeric = false;
                options.Password.RequiredUniqueChars = 4;
                options.Lockout.AllowedForNewUsers = true;
                options.Lockout.MaxFailedAccessAttempts = 5;
                options.Lockout.DefaultLockoutTimeSpan = TimeSpan.FromMinutes(15);
            })
            .AddRoles<IdentityRole>()
            .AddEntityFrameworkStores<IdpDbContext>();

        builder.Services.AddScoped<AuditLog>();

        // The key ring lives in the database so restarts and replicas can read what others protected.
        builder.Services.AddDataProtection()
            .SetApplicationName("Educloud.Idp")
            .PersistKeysToDbContext<IdpDbContext>();

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
        var logger = scope.ServiceProvider.GetRequiredService<ILogger<IdpDbContext>>();
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

    [LoggerMessage(EventId = 5001, Level = LogLevel.Information, Message = "Applying {Count} database migration(s)")]
    private static partial void LogMigrating(ILogger logger, int count);

    /// <summary>
    /// WAL lets readers run beside the one writer; synchronous=NORMAL is durable in WAL mode except
    /// for the last commits on power loss; busy_timeout makes a second writer wait instead of failing.
    /// </summary>
    private sealed class SqlitePragmas : DbConnectionInterceptor
    {
        private const string Pragmas = "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=10000; PRAGMA foreign_keys=ON;";
        private static readonly bool Once = Environment.GetEnvironmentVariable("EXP_PRAGMA_ONCE") == "1";
        private static readonly string Extra = Environment.GetEnvironmentVariable("EXP_PRAGMA_EXTRA") ?? "";

        private readonly System.Runtime.CompilerServices.ConditionalWeakTable<object, object> configured = [];

        public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData)
        {
            if (!FirstOpen(connection))
            {
                return;
            }

            using var command = connection.CreateCommand();
            command.CommandText = Pragmas + Extra;
            command.ExecuteNonQuery();
        }

        public override async Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
        {
            if (!FirstOpen(connection))
            {
                return;
            }

            await using var command = connection.CreateCommand();
            command.CommandText = Pragmas + Extra;
            await command.ExecuteNonQueryAsync(cancellationToken);
        }

        private bool FirstOpen(DbConnection connection) =>
            !Once || connection is not SqliteConnection { Handle: { } handle } || configured.TryAdd(handle, handle);
    }
}
