using System.Net;
using Educloud.Idp.Data;
using Educloud.Idp.LocalAccounts;
using Educloud.Idp.Tests.Infrastructure;
using Educloud.Idp.Totp;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Npgsql;
using OpenIddict.Abstractions;

namespace Educloud.Idp.Tests.Data;

/// <summary>
/// The IdP on a real PostgreSQL server: migrations, the schema check, what must hold under
/// concurrency and across replicas, and a backup restored. The concurrency tests that already
/// existed run on both databases through their own classes (TotpServiceTests, LoginFlowTests,
/// PendingLoginReplayTests); the new ones here that are not PostgreSQL's alone are theories over both.
/// </summary>
public sealed class PostgreSqlTests
{
    private static readonly string[] Migrations = [.. typeof(PostgreSqlIdpDbContext).Assembly.GetTypes()
        .Where(t => t.Namespace == "Educloud.Idp.Data.Migrations.PostgreSql" && t.IsSubclassOf(typeof(Migration)))
        .Select(t => t.GetCustomAttributes(typeof(MigrationAttribute), false).Cast<MigrationAttribute>().Single().Id)
        .Order(StringComparer.Ordinal)];

    private static Testing.PostgresServer Server => PostgreSqlTestServer.Instance;

    [Fact]
    public async Task FreshDatabase_MigrationsApply_AndTheIdPStarts_WithTimestampTz()
    {
        using var idp = new IdpHost(database: TestDatabase.PostgreSql);

        using var backchannel = idp.NewBackchannel();
        (await backchannel.GetAsync("/.well-known/openid-configuration")).StatusCode.Should().Be(HttpStatusCode.OK);
        var database = DatabaseOf(idp.ConnectionString);
        Migrations.Should().NotBeEmpty();
        Server.Psql(database, "SELECT \"MigrationId\" FROM \"__EFMigrationsHistory\" ORDER BY 1").Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Should().Equal(Migrations);
        Server.Psql(database, "SELECT data_type FROM information_schema.columns WHERE table_name = 'AspNetUsers' AND column_name = 'TotpLockedUntil'").Trim()
            .Should().Be("timestamp with time zone");
        Server.Psql(database, "SELECT count(*) FROM \"DataProtectionKeys\"").Trim().Should().NotBe("0", "the Data Protection key ring lives in the database");
    }

    [Fact]
    public void OutdatedSchema_WithoutMigrateOnStartup_IdPRefusesToStartAndSaysHow()
    {
        var (database, connectionString) = PostgreSqlTestServer.CreateDatabase();
        try
        {
            using (var migrated = new IdpHost(On(connectionString)))
            {
                _ = migrated.Server;
            }

            // The shape of a database one release behind: its newest migration not applied.
            Server.Psql(database, $"DELETE FROM \"__EFMigrationsHistory\" WHERE \"MigrationId\" = '{Migrations[^1]}'");
            using var idp = new IdpHost(On(connectionString, migrate: false));

            var start = () => idp.Server;

            start.Should().Throw<InvalidOperationException>().WithMessage("*1 migration(s) behind*'migrate' command*");
        }
        finally
        {
            PostgreSqlTestServer.DropDatabase(database, connectionString);
        }
    }

    [Theory]
    [InlineData(TestDatabase.Sqlite)]
    [InlineData(TestDatabase.PostgreSql)]
    public async Task OneEnrollmentCodeRedeemedInParallel_IsUsedOnce(TestDatabase engine)
    {
        using var idp = new IdpHost(database: engine);
        var userId = await NewUserAsync(idp);
        var code = await AdminApi.InScopeAsync(idp, async services =>
        {
            var issued = await services.GetRequiredService<EnrollmentCodes>().IssueAsync(userId, userId, CancellationToken.None);
            await services.GetRequiredService<IdpDbContext>().SaveChangesAsync();
            return issued.Code;
        });

        var used = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => Task.Run(() =>
            AdminApi.InScopeAsync(idp, services => services.GetRequiredService<EnrollmentCodes>().TryUseAsync(userId, code, CancellationToken.None)))));

        used.Count(u => u).Should().Be(1);
    }

    [Theory]
    [InlineData(TestDatabase.Sqlite)]
    [InlineData(TestDatabase.PostgreSql)]
    public async Task TwoPruningRunsAtOnce_NeitherFails_AndTheExpiredIsGone(TestDatabase engine)
    {
        using var idp = new IdpHost(database: engine);
        var userId = await AbandonedEnrollmentAsync(idp);
        var pruning = idp.Services.GetRequiredService<Pruning>();

        var runs = await Task.WhenAll(Task.Run(() => pruning.PruneOnceAsync(CancellationToken.None)), Task.Run(() => pruning.PruneOnceAsync(CancellationToken.None)));

        runs.Should().Contain(true, "at least one replica prunes");
        (await PendingEnrollmentsAsync(idp, userId)).Should().Be(0);
    }

    [Fact]
    public async Task PruningLockHeldByAnotherReplica_ThisRunSkips_ThenPrunesOnceFree()
    {
        using var idp = new IdpHost(database: TestDatabase.PostgreSql);
        var pruning = idp.Services.GetRequiredService<Pruning>();
        string userId;

        await using (var otherReplica = new NpgsqlConnection(idp.ConnectionString + ";Pooling=false"))
        {
            await otherReplica.OpenAsync();
            await using var take = new NpgsqlCommand($"SELECT pg_advisory_lock({Pruning.LeaderLockKey})", otherReplica);
            await take.ExecuteNonQueryAsync();
            // The lock is taken before the expired enrollment exists: the host's own pruning service
            // runs once at its start, and on a busy machine that run could come after the enrollment
            // and prune it (seen once in a full run).
            userId = await AbandonedEnrollmentAsync(idp);

            (await pruning.PruneOnceAsync(CancellationToken.None)).Should().BeFalse();
            (await PendingEnrollmentsAsync(idp, userId)).Should().Be(1, "the leader prunes, not this replica");

            // Released at once (closing the connection would release it only when the server's backend has exited).
            await using var release = new NpgsqlCommand($"SELECT pg_advisory_unlock({Pruning.LeaderLockKey})", otherReplica);
            await release.ExecuteNonQueryAsync();
        }

        (await pruning.PruneOnceAsync(CancellationToken.None)).Should().BeTrue();
        (await PendingEnrollmentsAsync(idp, userId)).Should().Be(0);
    }

    [Fact]
    public async Task PruningRunOnThisReplica_LeavesTheLeaderLockFree_ForAnotherReplica()
    {
        // Pooled connections are not reset when returned (DataExtensions.PostgreSqlConnectionString):
        // a session advisory lock left behind would stay with the pooled connection and make this
        // replica leader for ever. The leader must release it itself.
        using var idp = new IdpHost(database: TestDatabase.PostgreSql);
        var pruning = idp.Services.GetRequiredService<Pruning>();
        (await pruning.PruneOnceAsync(CancellationToken.None)).Should().BeTrue();

        await using var otherReplica = new NpgsqlConnection(idp.ConnectionString + ";Pooling=false");
        await otherReplica.OpenAsync();
        await using var take = new NpgsqlCommand($"SELECT pg_try_advisory_lock({Pruning.LeaderLockKey})", otherReplica);
        ((bool)(await take.ExecuteScalarAsync())!).Should().BeTrue("the lock was released after the run");
        await using var release = new NpgsqlCommand($"SELECT pg_advisory_unlock({Pruning.LeaderLockKey})", otherReplica);
        await release.ExecuteNonQueryAsync();
    }

    [Theory]
    [InlineData("Host=db;Database=idp;Username=idp", true, 64)]
    [InlineData("Host=db;Database=idp;Username=idp;No Reset On Close=false;Max Auto Prepare=10", false, 10)]
    [InlineData("Host=db;Database=idp;Username=idp;NoResetOnClose=false;MaxAutoPrepare=0", false, 0)]
    public void ConnectionString_OperatorsChoicesKept_DefaultsForTheRest(string configured, bool noReset, int autoPrepare)
    {
        var used = new NpgsqlConnectionStringBuilder(DataExtensions.PostgreSqlConnectionString(configured));

        used.NoResetOnClose.Should().Be(noReset);
        used.MaxAutoPrepare.Should().Be(autoPrepare);
        used.Pooling.Should().BeTrue();
        used.ApplicationName.Should().Be("Educloud.Idp");
    }

    [Fact]
    public async Task TwoReplicasOnOneDatabase_ShareTheKeyRingAndSessions()
    {
        using var first = new IdpHost(database: TestDatabase.PostgreSql);
        var pid = Flows.NewPid();
        var browser = first.NewBrowser();
        (await Flows.LogInAtIdPortenAsync(browser, await browser.GetAsync(IdpHost.Origin + "/account/login"), pid)).Address.AbsolutePath.Should().Be("/");
        using var second = new IdpHost(On(first.ConnectionString, keys: first.KeysDirectory, migrate: false));

        // The same browser now reaches the second replica: its cookies (Data Protection) and
        // the session they name (a database row) must be understood there.
        browser.AddHost(new Uri(IdpHost.Origin).Host, second.Server.CreateHandler());
        var account = await browser.GetAsync(IdpHost.Origin + "/");

        account.Body.Should().Contain("You are logged in", "the session cookie from the first replica is valid on the second");

        // Antiforgery (Data Protection too) holds across them: the logout form of the second
        // replica ends the session, and the first one sees it ended (the row is shared).
        var loggedOut = await browser.SubmitAsync(account, "form[action='/account/logout']");
        // Our logout is done and hands over to ID-porten's. Here that is the second replica's own
        // in-process simulator, which (unlike the one ID-porten) knows no session of this browser and
        // answers with ID-porten's no-session page (issue 11; once a 200 "logged out" page).
        loggedOut.Address.AbsolutePath.Should().Be("/idporten-sim/endsession", loggedOut.Body);
        browser.AddHost(new Uri(IdpHost.Origin).Host, first.Server.CreateHandler());
        (await browser.GetAsync(IdpHost.Origin + "/")).Body.Should().NotContain("You are logged in");
    }

    [Fact]
    public async Task BackupRestoredIntoANewDatabase_TheIdPThereLogsThePersonInWithTheirAuthenticator()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        using var original = new IdpHost(time: time, database: TestDatabase.PostgreSql);
        var pid = Flows.NewPid();
        var browser = original.NewBrowser();
        (await Flows.LogInAtIdPortenAsync(browser, await browser.GetAsync(IdpHost.Origin + "/account/login"), pid)).Address.AbsolutePath.Should().Be("/");
        var admin = await AdminApi.LogInAsync(original, "admin");
        var clientId = "restored-" + Guid.NewGuid().ToString("N")[..8];
        var (status, app, _) = await AdminApi.SendAsync(original, admin.AccessToken, HttpMethod.Post, "/api/admin/apps", new
        {
            clientId,
            displayName = "Registered before the backup",
            clientType = "confidential",
            redirectUris = new[] { IdpHost.AppOrigin + "/restored/callback" },
            scopes = new[] { "openid" },
            consentType = "implicit",
            reason = "backup test",
        });
        status.Should().Be(201, app.ToString());
        var secret = app.GetProperty("clientSecret").GetString()!;

        // The runbook's commands (deploy/README.md), against this test server.
        var source = DatabaseOf(original.ConnectionString);
        var dump = Path.Combine(Server.SocketDirectory, source + ".dump");
        Server.RunBin("pg_dump", ServerArgs([$"--dbname={source}", "--format=custom", "--no-owner", "--no-privileges", $"--file={dump}"]));
        var (restored, restoredConnection) = PostgreSqlTestServer.CreateDatabase();
        try
        {
            Server.RunBin("pg_restore", ServerArgs([$"--dbname={restored}", "--no-owner", "--no-privileges", "--exit-on-error", dump]));

            // The same key files, the restored database, no migration needed: it starts as it is.
            using var again = new IdpHost(On(restoredConnection, keys: original.KeysDirectory, migrate: false), time);
            again.Authenticators.Scanned(pid, original.Authenticators.SecretOf(pid));
            time.Advance(TimeSpan.FromSeconds(30));
            var person = again.NewBrowser();
            var codePage = await Flows.ThroughIdPortenAsync(person, IdpHost.Origin + "/account/login", pid);
            codePage.Address.AbsolutePath.Should().Be("/account/code", "the restored database knows the person's authenticator: " + codePage.Body);
            (await Flows.AnswerSecondFactorAsync(person, codePage, pid)).Address.AbsolutePath.Should().Be("/");

            var restoredApp = await AdminApi.InScopeAsync(again, async services =>
            {
                var apps = services.GetRequiredService<IOpenIddictApplicationManager>();
                var found = await apps.FindByClientIdAsync(clientId);
                return found is not null && await apps.ValidateClientSecretAsync(found, secret);
            });
            restoredApp.Should().BeTrue("the app registered through the API is restored with its secret");
        }
        finally
        {
            PostgreSqlTestServer.DropDatabase(restored, restoredConnection);
        }
    }

    /// <summary>Settings that put an IdpHost on an existing database (the test owns it, the host does not drop it).</summary>
    private static Dictionary<string, string?> On(string connectionString, string? keys = null, bool migrate = true)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Database:Provider"] = "PostgreSql",
            ["Database:ConnectionString"] = connectionString,
            ["Database:MigrateOnStartup"] = migrate ? "true" : "false",
        };
        if (keys is not null)
        {
            settings["Keys:DevelopmentKeysDirectory"] = keys;
        }

        return settings;
    }

    private static string[] ServerArgs(string[] arguments) =>
        ["--host", Server.SocketDirectory, "--port", Server.Port.ToString(), "--username", Testing.PostgresServer.User, .. arguments];

    private static string DatabaseOf(string connectionString) => new NpgsqlConnectionStringBuilder(connectionString).Database!;

    private static Task<string> NewUserAsync(IdpHost idp) => AdminApi.InScopeAsync(idp, async services =>
    {
        var db = services.GetRequiredService<IdpDbContext>();
        var user = new IdpUser { Id = Guid.NewGuid().ToString(), UserName = "u-" + Guid.NewGuid().ToString("N")[..8], CreatedAt = idp.Clock.GetUtcNow() };
        db.Users.Add(user);
        await db.SaveChangesAsync();
        return user.Id;
    });

    /// <summary>
    /// A person with an expired pending enrollment. Expired by hand rather than by moving a fake
    /// clock: that would also wake the IdP's own pruning job, which would then race the test's runs.
    /// </summary>
    private static async Task<string> AbandonedEnrollmentAsync(IdpHost idp)
    {
        var userId = await NewUserAsync(idp);
        await AdminApi.InScopeAsync(idp, async services =>
        {
            await services.GetRequiredService<TotpService>().BeginEnrollmentAsync(userId, CancellationToken.None);
            var past = idp.Clock.GetUtcNow().AddMinutes(-1);
            return await services.GetRequiredService<IdpDbContext>().TotpFactors.Where(f => f.UserId == userId)
                .ExecuteUpdateAsync(f => f.SetProperty(x => x.ExpiresAt, past));
        });
        return userId;
    }

    private static Task<int> PendingEnrollmentsAsync(IdpHost idp, string userId) => AdminApi.InScopeAsync(idp, services =>
        services.GetRequiredService<IdpDbContext>().TotpFactors.CountAsync(f => f.UserId == userId && f.State == TotpFactorState.Pending));
}
