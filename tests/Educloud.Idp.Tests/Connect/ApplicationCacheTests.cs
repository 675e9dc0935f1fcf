using System.Text.Json;
using Educloud.Idp.Connect;
using Educloud.Idp.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Educloud.Idp.Tests.Connect;

/// <summary>
/// Research apps are kept across requests (CachedApplications); a change through the admin API
/// must count at once: on the same host, and on another replica of the same PostgreSQL database.
/// </summary>
public abstract class ApplicationCacheTests(IdpFixture fixture)
{
    private IdpHost Idp => fixture.Idp;

    public sealed class OnSqlite(IdpFixture fixture) : ApplicationCacheTests(fixture), IClassFixture<IdpFixture>;

    public sealed class OnPostgreSql(PostgreSqlIdpFixture fixture) : ApplicationCacheTests(fixture), IClassFixture<PostgreSqlIdpFixture>;

    [Fact]
    public async Task UsedAppDisabled_IsRefusedAtOnce()
    {
        var admin = await AdminApi.LogInAsync(Idp, AdminRoles.Admin);
        var (clientId, secret) = await AppCache.RegisterAsync(Idp, admin);
        var person = await fixture.LoggedInBrowserAsync();
        var tokens = await AppCache.CodeFlowAsync(Idp, person, clientId, secret);
        tokens.Status.Should().Be(200, tokens.Body.ToString());
        AppCache.Holds(Idp, clientId).Should().BeTrue("the app is now read from the cache, so the test shows its invalidation");

        await AppCache.DisableAsync(Idp, admin, clientId);

        AppCache.Refused(await AppCache.AuthorizeAsync(person, clientId), person).Should().BeTrue();
        using var backchannel = Idp.NewBackchannel();
        var (status, _) = await Flows.TokenAsync(backchannel, new Dictionary<string, string>
        {
            ["grant_type"] = "refresh_token",
            ["refresh_token"] = tokens.Body.GetProperty("refresh_token").GetString()!,
        }, clientId, secret);
        status.Should().BeOneOf(400, 401);
    }

    [Fact]
    public async Task UsedAppsRedirectUriChanged_TheNewOneCountsAtOnce_TheOldOneNoMore()
    {
        var admin = await AdminApi.LogInAsync(Idp, AdminRoles.Admin);
        var (clientId, secret) = await AppCache.RegisterAsync(Idp, admin);
        var person = await fixture.LoggedInBrowserAsync();
        (await AppCache.CodeFlowAsync(Idp, person, clientId, secret)).Status.Should().Be(200);
        AppCache.Holds(Idp, clientId).Should().BeTrue();
        var moved = IdpHost.AppOrigin + "/cached-app/moved";

        var (updated, body, _) = await AdminApi.SendAsync(Idp, admin.AccessToken, HttpMethod.Put, $"/api/admin/apps/{clientId}", new
        {
            displayName = "Moved", redirectUris = new[] { moved }, scopes = new[] { "openid", "offline_access" },
        });
        updated.Should().Be(200, body.ToString());

        AppCache.Refused(await AppCache.AuthorizeAsync(person, clientId), person).Should().BeTrue("the old redirect URI is no longer registered");
        (await AppCache.CodeFlowAsync(Idp, person, clientId, secret, moved)).Status.Should().Be(200);
    }
}

/// <summary>Two replicas (two hosts, the same keys) on one PostgreSQL database: app changes reach the other one.</summary>
public sealed class ApplicationCacheReplicaTests : IDisposable
{
    private readonly IdpHost first = new(database: TestDatabase.PostgreSql);

    private readonly IdpHost second;

    public ApplicationCacheReplicaTests()
    {
        _ = first.Server;
        second = new IdpHost(new Dictionary<string, string?>
        {
            ["Database:Provider"] = "PostgreSql",
            ["Database:ConnectionString"] = first.ConnectionString,
            ["Database:MigrateOnStartup"] = "false",
            ["Keys:DevelopmentKeysDirectory"] = first.KeysDirectory,
        });
        _ = second.Server;
    }

    public void Dispose()
    {
        second.Dispose();
        first.Dispose();
    }

    [Fact]
    public async Task AppDisabledOnOneReplica_IsRefusedOnTheOther()
    {
        var admin = await AdminApi.LogInAsync(first, AdminRoles.Admin);
        var (clientId, secret) = await AppCache.RegisterAsync(first, admin);
        var person = await LoggedInAsync(second);
        (await AppCache.CodeFlowAsync(second, person, clientId, secret)).Status.Should().Be(200);
        AppCache.Holds(second, clientId).Should().BeTrue("the other replica now reads the app from its cache");
        var before = Cache(second).Generation;

        await AppCache.DisableAsync(first, admin, clientId);

        // The first replica's answer waited for its own notice to come back from PostgreSQL, which
        // sends it to every listener at once; the second one's arrives on its own connection.
        await HeardAsync(second, before);
        AppCache.Refused(await AppCache.AuthorizeAsync(person, clientId), person).Should().BeTrue();
    }

    [Fact]
    public async Task ListenerConnectionLost_CacheSuspended_AndAChangeMadeMeanwhileIsSeen()
    {
        var admin = await AdminApi.LogInAsync(first, AdminRoles.Admin);
        var (clientId, secret) = await AppCache.RegisterAsync(first, admin);
        var person = await LoggedInAsync(second);
        (await AppCache.CodeFlowAsync(second, person, clientId, secret)).Status.Should().Be(200);
        AppCache.Holds(second, clientId).Should().BeTrue();

        // Both replicas' listening connections end (as on a network fault): neither can hear a change now.
        await using (var connection = new NpgsqlConnection(first.ConnectionString + ";Pooling=false"))
        {
            await connection.OpenAsync();
            await using var kill = new NpgsqlCommand(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = 'Educloud.Idp app-change listener' AND datname = current_database()",
                connection);
            ((long)(await kill.ExecuteScalarAsync())!).Should().Be(2);
        }

        await WaitForAsync(() => !Cache(second).IsActive, "the second replica stops using its cache when it can no longer hear changes");
        AppCache.Holds(second, clientId).Should().BeFalse();
        await AppCache.DisableAsync(first, admin, clientId);

        AppCache.Refused(await AppCache.AuthorizeAsync(person, clientId), person).Should().BeTrue("read from the database while not listening");
        await WaitForAsync(() => Cache(second).IsActive, "the replica listens again and starts an empty cache");
        AppCache.Refused(await AppCache.AuthorizeAsync(person, clientId), person).Should().BeTrue("the notice missed meanwhile does not matter: the cache started empty");
    }

    private static CachedApplications Cache(IdpHost idp) => idp.Services.GetRequiredService<CachedApplications>();

    private static async Task<TestBrowser> LoggedInAsync(IdpHost idp)
    {
        var browser = idp.NewBrowser();
        var page = await Flows.LogInAtIdPortenAsync(browser, await browser.GetAsync(IdpHost.Origin + "/account/login"), Flows.NewPid());
        page.Address.AbsolutePath.Should().Be("/", page.Body);
        return browser;
    }

    private static Task HeardAsync(IdpHost idp, long before) =>
        WaitForAsync(() => Cache(idp).Generation != before, "the other replica hears the change");

    // PostgreSQL (another process) delivers notices and closes connections in its own time: poll, bounded.
    private static async Task WaitForAsync(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (!condition())
        {
            DateTime.UtcNow.Should().BeBefore(deadline, what);
            await Task.Delay(20);
        }
    }
}

/// <summary>Steps shared by the app-cache tests.</summary>
internal static class AppCache
{
    public const string Redirect = IdpHost.AppOrigin + "/cached-app/callback";

    public static async Task<(string ClientId, string Secret)> RegisterAsync(IdpHost idp, AdminCaller admin)
    {
        var clientId = "cached-app-" + Guid.NewGuid().ToString("N")[..8];
        var (status, app, _) = await AdminApi.SendAsync(idp, admin.AccessToken, HttpMethod.Post, "/api/admin/apps", new
        {
            clientId, displayName = "Cached app", redirectUris = new[] { Redirect }, scopes = new[] { "openid", "offline_access" }, reason = "cache test",
        });
        status.Should().Be(201, app.ToString());
        return (clientId, app.GetProperty("clientSecret").GetString()!);
    }

    public static async Task DisableAsync(IdpHost idp, AdminCaller admin, string clientId)
    {
        var (status, problem, _) = await AdminApi.SendAsync(idp, admin.AccessToken, HttpMethod.Post, $"/api/admin/apps/{clientId}/disable", new { reason = "cache test" });
        status.Should().Be(204, problem.ToString());
    }

    public static bool Holds(IdpHost idp, string clientId) =>
        idp.Services.GetRequiredService<CachedApplications>().TryGetByClientId(clientId, out _);

    public static Task<BrowserPage> AuthorizeAsync(TestBrowser person, string clientId, string redirect = Redirect) =>
        person.GetAsync(Flows.AuthorizeUrl(clientId: clientId, redirectUri: redirect, scope: "openid offline_access"));

    /// <summary>No code went back to the app.</summary>
    public static bool Refused(BrowserPage page, TestBrowser person) =>
        (person.LeftTo is null || !Flows.RedirectParameters(person).ContainsKey("code")) && page.Status != System.Net.HttpStatusCode.InternalServerError;

    public static async Task<(int Status, JsonElement Body)> CodeFlowAsync(IdpHost idp, TestBrowser person, string clientId, string secret, string redirect = Redirect)
    {
        var pkce = Pkce.New();
        await person.GetAsync(Flows.AuthorizeUrl(clientId: clientId, redirectUri: redirect, scope: "openid offline_access", pkce: pkce));
        using var backchannel = idp.NewBackchannel();
        return await Flows.RedeemCodeAsync(backchannel, Flows.RedirectParameters(person)["code"], pkce, clientId, secret, redirect);
    }
}
