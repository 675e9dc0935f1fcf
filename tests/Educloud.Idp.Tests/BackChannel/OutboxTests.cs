using Educloud.Idp.Data;
using Educloud.Idp.Logout;
using Educloud.Idp.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Educloud.Idp.Tests.BackChannel;

/// <summary>
/// The outbox of back-channel logout (issue 12, "nothing lost"): a notification survives an app
/// that is down and a restart of the IdP, is given up (and shown to admins) after the retry window,
/// and two IdPs on one database send it once. Time is a FakeTimeProvider; the sender's poll loop is
/// off, the tests call <see cref="LogoutSender.DeliverDueAsync"/> themselves.
/// </summary>
public sealed class OutboxTests : IAsyncLifetime
{
    /// <summary>Set so that an IdP that has seen no request yet (just restarted) signs with the same iss as discovery.</summary>
    private static readonly Dictionary<string, string?> FixedIssuer = new() { ["Server:Issuer"] = IdpHost.Origin };

    private readonly FakeTimeProvider time = new(DateTimeOffset.UtcNow);
    private LogoutReceiver receiver = null!;

    public async Task InitializeAsync() => receiver = await LogoutReceiver.StartAsync();

    public async Task DisposeAsync() => await receiver.DisposeAsync();

    [Fact]
    public async Task AppDown_ReceivesTheLogoutWhenItComesBack_WithinTheRetryWindow()
    {
        using var idp = BackChannelIdp.Create(receiver, time);
        var login = await LoggedOutAsync(idp);
        receiver.Down = true;

        (await BackChannelIdp.DeliverAsync(idp)).Should().Be(0);
        var row = await RowAsync(idp, login.Sid);
        row.Attempts.Should().Be(1);
        row.State.Should().Be(LogoutNotificationState.Pending);
        row.LastError.Should().Be("ConnectionError");

        time.Advance(TimeSpan.FromSeconds(5));
        receiver.Down = false;
        (await BackChannelIdp.DeliverAsync(idp)).Should().Be(0, "the first retry waits FirstRetryDelay (10 s)");
        time.Advance(TimeSpan.FromSeconds(5));

        (await BackChannelIdp.DeliverAsync(idp)).Should().Be(1);
        await LogoutReceiver.ValidateAsync(idp, receiver.For(login.Sid).Should().ContainSingle().Subject);
        (await CountAsync(idp, login.Sid)).Should().Be(0, "a delivered notification leaves the outbox");
    }

    [Fact]
    public async Task AppDownPastTheRetryWindow_IsMarkedFailed_LoggedAndShownToAdmins()
    {
        using var idp = BackChannelIdp.Create(receiver, time);
        var login = await LoggedOutAsync(idp);
        receiver.Down = true;
        var started = time.GetUtcNow();

        while (time.GetUtcNow() - started < TimeSpan.FromMinutes(70))
        {
            await BackChannelIdp.DeliverAsync(idp);
            time.Advance(TimeSpan.FromMinutes(1));
        }

        var row = await RowAsync(idp, login.Sid);
        row.State.Should().Be(LogoutNotificationState.Failed);
        row.Attempts.Should().BeInRange(5, 15, "backoff doubles from 10 s up to 10 min within the hour");
        receiver.Received.Should().BeEmpty();
        idp.Logs.Lines.Should().Contain(l => l.Contains("LogoutSender[8003]") && l.Contains(IdpHost.AppClientId));
        idp.Logs.Lines.Where(l => l.Contains("LogoutSender[")).Should().NotContain(l => l.Contains("eyJ"), "a logout token is never logged");

        var admin = await AdminApi.LogInAsync(idp, "admin");
        var (status, body, _) = await AdminApi.SendAsync(idp, admin.AccessToken, HttpMethod.Get, $"/api/admin/apps/{IdpHost.AppClientId}/logout-deliveries");
        status.Should().Be(200, body.ToString());
        body.GetProperty("failed").GetInt32().Should().Be(1);
        body.GetProperty("latest")[0].GetProperty("lastError").GetString().Should().Be("ConnectionError");
        var (_, all, _) = await AdminApi.SendAsync(idp, admin.AccessToken, HttpMethod.Get, "/api/admin/logout-deliveries");
        all.EnumerateArray().Select(a => a.GetProperty("clientId").GetString()).Should().Contain(IdpHost.AppClientId);

        var sender = idp.Services.GetRequiredService<LogoutSender>();
        (await sender.PruneFailedAsync(CancellationToken.None)).Should().Be(0, "a failed notification stays visible for a week");
        time.Advance(TimeSpan.FromDays(8));
        (await sender.PruneFailedAsync(CancellationToken.None)).Should().Be(1);
    }

    [Fact]
    public async Task IdpRestartedWithANotificationPending_TheNextIdpDeliversIt()
    {
        using var first = BackChannelIdp.Create(receiver, time, FixedIssuer);
        var login = await LoggedOutAsync(first);
        (await CountAsync(first, login.Sid)).Should().Be(1, "the notification waits in the database");

        // A new IdP process on the same database and keys (the first one sends nothing more).
        using var second = ReplicaOf(first);

        (await BackChannelIdp.DeliverAsync(second)).Should().Be(1);
        await LogoutReceiver.ValidateAsync(second, receiver.For(login.Sid).Should().ContainSingle().Subject);
    }

    [Theory]
    [InlineData(TestDatabase.Sqlite)]
    [InlineData(TestDatabase.PostgreSql)]
    public async Task TwoIdpsOnOneDatabase_DeliverEachNotificationOnce(TestDatabase database)
    {
        using var first = BackChannelIdp.Create(receiver, time, FixedIssuer, database);
        var sids = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            sids.Add((await LoggedOutAsync(first)).Sid);
        }

        using var second = ReplicaOf(first);
        _ = second.Server;

        var delivered = await Task.WhenAll(
            Enumerable.Range(0, 3).SelectMany(_ => new[] { BackChannelIdp.DeliverAsync(first), BackChannelIdp.DeliverAsync(second) }));

        delivered.Sum().Should().Be(5);
        foreach (var sid in sids)
        {
            receiver.For(sid).Should().ContainSingle("session {0} ended once, so its app is told once", sid);
        }
    }

    [Theory]
    [InlineData(TestDatabase.Sqlite)]
    [InlineData(TestDatabase.PostgreSql)]
    public async Task TwoIdpsThatReadTheSameRowsAtOnce_EachRowIsClaimedByOneOfThem(TestDatabase database)
    {
        // The worst moment, made deterministic: both replicas have read the due rows before either claims.
        using var first = BackChannelIdp.Create(receiver, time, FixedIssuer, database);
        for (var i = 0; i < 3; i++)
        {
            await LoggedOutAsync(first);
        }

        using var second = ReplicaOf(first);
        await using var one = first.Services.CreateAsyncScope();
        await using var two = second.Services.CreateAsyncScope();
        var (senderOne, dbOne) = (first.Services.GetRequiredService<LogoutSender>(), one.ServiceProvider.GetRequiredService<IdpDbContext>());
        var (senderTwo, dbTwo) = (second.Services.GetRequiredService<LogoutSender>(), two.ServiceProvider.GetRequiredService<IdpDbContext>());
        var dueOne = await senderOne.DueAsync(dbOne, CancellationToken.None);
        var dueTwo = await senderTwo.DueAsync(dbTwo, CancellationToken.None);
        dueOne.Select(n => n.Id).Should().BeEquivalentTo(dueTwo.Select(n => n.Id)).And.HaveCount(3);

        var claims = await Task.WhenAll(senderOne.ClaimAsync(dbOne, dueOne, CancellationToken.None), senderTwo.ClaimAsync(dbTwo, dueTwo, CancellationToken.None));

        claims[0].Select(n => n.Id).Concat(claims[1].Select(n => n.Id)).Should().OnlyHaveUniqueItems().And.HaveCount(3);
    }

    [Fact]
    public async Task SessionPastItsAbsoluteEnd_IsEndedByTheSender_AndTheAppIsTold()
    {
        using var idp = BackChannelIdp.Create(receiver, time, new Dictionary<string, string?> { ["Session:AbsoluteTimeout"] = "01:00:00" });
        var login = await BackChannelIdp.LogInToAppAsync(idp);
        var sender = idp.Services.GetRequiredService<LogoutSender>();
        (await sender.EndTimedOutSessionsAsync(CancellationToken.None)).Should().Be(0);

        time.Advance(TimeSpan.FromMinutes(61));
        (await sender.EndTimedOutSessionsAsync(CancellationToken.None)).Should().Be(1);
        await sender.DeliverDueAsync();

        await LogoutReceiver.ValidateAsync(idp, receiver.For(login.Sid).Should().ContainSingle().Subject);
        (await BackChannelIdp.RefreshStatusAsync(idp, login.RefreshToken)).Should().Be(400, "the refresh token (12 h) ends with the session (1 h)");
        (await login.Browser.GetAsync(IdpHost.Origin + "/")).Address.AbsolutePath.Should().StartWith("/idporten-sim/",
            "the person who comes back is still logged out of ID-porten first (Digdir's test 8)");
    }

    [Fact]
    public async Task SessionIdle_ThePersonComesBack_TheAppIsTold()
    {
        using var idp = BackChannelIdp.Create(receiver, time);
        var login = await BackChannelIdp.LogInToAppAsync(idp);

        time.Advance(TimeSpan.FromMinutes(31));
        (await login.Browser.GetAsync(IdpHost.Origin + "/")).Address.AbsolutePath.Should().StartWith("/idporten-sim/");
        await BackChannelIdp.DeliverAsync(idp);

        await LogoutReceiver.ValidateAsync(idp, receiver.For(login.Sid).Should().ContainSingle().Subject);
        (await BackChannelIdp.RefreshStatusAsync(idp, login.RefreshToken)).Should().Be(400);
    }

    /// <summary>Another IdP on the same database and key files (a replica, or the same IdP restarted).</summary>
    private IdpHost ReplicaOf(IdpHost first) => BackChannelIdp.Create(receiver, time, new Dictionary<string, string?>(FixedIssuer)
    {
        ["Database:Provider"] = first.Database == TestDatabase.PostgreSql ? "PostgreSql" : "Sqlite",
        ["Database:ConnectionString"] = first.ConnectionString,
        ["Keys:DevelopmentKeysDirectory"] = first.KeysDirectory,
    });

    /// <summary>A person logged in to the test app, then out on the start page: one notification waits.</summary>
    private static async Task<AppLogin> LoggedOutAsync(IdpHost idp)
    {
        var login = await BackChannelIdp.LogInToAppAsync(idp);
        await login.Browser.SubmitAsync(await login.Browser.GetAsync(IdpHost.Origin + "/"), "form[action='/account/logout']");
        return login;
    }

    private static Task<LogoutNotification> RowAsync(IdpHost idp, string sid) =>
        AdminApi.InScopeAsync(idp, s => s.GetRequiredService<IdpDbContext>().LogoutNotifications.AsNoTracking().SingleAsync(n => n.SessionId == sid));

    private static Task<int> CountAsync(IdpHost idp, string sid) =>
        AdminApi.InScopeAsync(idp, s => s.GetRequiredService<IdpDbContext>().LogoutNotifications.CountAsync(n => n.SessionId == sid));
}
