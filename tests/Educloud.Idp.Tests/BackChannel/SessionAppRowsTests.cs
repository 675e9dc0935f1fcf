using Educloud.Idp.Data;
using Educloud.Idp.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Educloud.Idp.Tests.BackChannel;

/// <summary>
/// The app recorded in a session at authorize (<see cref="SessionAppRows.AddIfSessionLiveAsync"/>):
/// one statement that adds the row only while the session is live, on both databases.
/// </summary>
public abstract class SessionAppRowsTests(TestDatabase database) : IDisposable
{
    public sealed class OnSqlite() : SessionAppRowsTests(TestDatabase.Sqlite);

    public sealed class OnPostgreSql() : SessionAppRowsTests(TestDatabase.PostgreSql)
    {
        [Fact]
        public async Task SessionEndingAtTheSameMoment_TheRowWaitsForItsCommit_AndIsNotAdded()
        {
            var sessionId = await NewSessionAsync();
            using var endingScope = Idp.Services.CreateScope();
            var ending = endingScope.ServiceProvider.GetRequiredService<IdpDbContext>();
            await using var transaction = await ending.Database.BeginTransactionAsync();
            // What SessionEndings does first: the session marked ended, not yet committed.
            await ending.Sessions.Where(s => s.Id == sessionId).ExecuteUpdateAsync(s => s.SetProperty(x => x.EndedAt, DateTimeOffset.UtcNow));

            var adding = AddAsync(sessionId, "authz-racing");
            await WaitUntilABackendWaitsForALockAsync(ending);
            adding.IsCompleted.Should().BeFalse("the insert waits on the session row it locks FOR SHARE");
            await transaction.CommitAsync();

            (await adding).Should().Be(0, "after the ending commits, the session is seen ended");
            (await RowsAsync(sessionId)).Should().BeEmpty();
        }

        private static async Task WaitUntilABackendWaitsForALockAsync(IdpDbContext db)
        {
            // Polls PostgreSQL's own view until the insert is blocked; no clock is involved in the outcome.
            for (var attempt = 0; attempt < 500; attempt++)
            {
                var waiting = await db.Database.SqlQueryRaw<int>(
                    "SELECT count(*)::int AS \"Value\" FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()").SingleAsync();
                if (waiting > 0)
                {
                    return;
                }

                await Task.Yield();
                await Task.Delay(10);
            }

            throw new TimeoutException("The insert never waited for the session row's lock.");
        }
    }

    protected IdpHost Idp { get; } = new(database: database);

    public void Dispose()
    {
        Idp.Dispose();
        GC.SuppressFinalize(this);
    }

    [Fact]
    public async Task LiveSession_GetsTheRow()
    {
        var sessionId = await NewSessionAsync();

        (await AddAsync(sessionId, "authz-live")).Should().Be(1);

        var row = (await RowsAsync(sessionId)).Should().ContainSingle().Subject;
        row.ClientId.Should().Be("app-1");
        row.AuthorizationId.Should().Be("authz-live");
    }

    [Fact]
    public async Task EndedSession_GetsNoRow()
    {
        var sessionId = await NewSessionAsync(ended: true);

        (await AddAsync(sessionId, "authz-ended")).Should().Be(0);
        (await RowsAsync(sessionId)).Should().BeEmpty();
    }

    [Fact]
    public async Task SessionThatIsGone_GetsNoRow_AndNoError()
    {
        (await AddAsync("no-such-session", "authz-gone")).Should().Be(0, "no foreign-key failure: nothing is inserted");
    }

    protected async Task<int> AddAsync(string sessionId, string authorizationId)
    {
        using var scope = Idp.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<IdpDbContext>();
        return await SessionAppRows.AddIfSessionLiveAsync(
            db, new SessionApp { AuthorizationId = authorizationId, SessionId = sessionId, ClientId = "app-1", IssuedAt = DateTimeOffset.UtcNow }, CancellationToken.None);
    }

    protected async Task<List<SessionApp>> RowsAsync(string sessionId)
    {
        using var scope = Idp.Services.CreateScope();
        return await scope.ServiceProvider.GetRequiredService<IdpDbContext>().SessionApps.AsNoTracking().Where(a => a.SessionId == sessionId).ToListAsync();
    }

    protected async Task<string> NewSessionAsync(bool ended = false)
    {
        using var scope = Idp.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<IdpDbContext>();
        var user = new IdpUser { UserName = "session-app-" + Guid.NewGuid().ToString("N") };
        db.Users.Add(user);
        var now = DateTimeOffset.UtcNow;
        var session = new UserSession { Id = Guid.NewGuid().ToString("N"), UserId = user.Id, CreatedAt = now, ExpiresAt = now.AddHours(8), EndedAt = ended ? now : null };
        db.Sessions.Add(session);
        await db.SaveChangesAsync();
        return session.Id;
    }
}
