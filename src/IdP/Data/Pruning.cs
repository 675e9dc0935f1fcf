using Educloud.Idp.Totp;
using Microsoft.EntityFrameworkCore;
using OpenIddict.Abstractions;

namespace Educloud.Idp.Data;

/// <summary>
/// Removes what can no longer be used: expired or revoked tokens and authorizations (OpenIddict
/// keeps every issued token as a row), ended sessions, abandoned enrollments and expired pending logins. Rows are kept a
/// while after they stop working so support can still see them (OpenIddict.Quartz is not used).
/// <para>
/// Every replica runs this job. Each statement is an idempotent DELETE, so runs at once are safe;
/// on PostgreSQL one leader is chosen anyway (a session advisory lock) so that replicas do not
/// queue on each other's row locks or deadlock over the same rows, and the others skip the hour.
/// </para>
/// </summary>
public sealed partial class Pruning(IServiceScopeFactory scopes, TimeProvider time, ILogger<Pruning> logger) : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromHours(1);
    public static readonly TimeSpan KeepFor = TimeSpan.FromDays(7);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, time);
        do
        {
            try
            {
                await PruneOnceAsync(stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // A failed run is tried again next hour; it must never take the IdP down.
                LogPruneFailed(logger, e);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    /// <summary>The advisory lock key of the pruning leader (any constant unique within the database: "EDUPRUNE").</summary>
    internal const long LeaderLockKey = 0x4544555052554E45;

    /// <summary>Prunes once; returns false when another replica was pruning (PostgreSQL) and this run skipped.</summary>
    public async Task<bool> PruneOnceAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<IdpDbContext>();
        if (!db.Database.IsNpgsql())
        {
            await PruneAsync(scope.ServiceProvider, cancellationToken);
            return true;
        }

        // The lock belongs to the session: the connection stays open (and is the one every store
        // of this scope uses) until it is released.
        await db.Database.OpenConnectionAsync(cancellationToken);
        try
        {
            if (!await db.Database.SqlQuery<bool>($"SELECT pg_try_advisory_lock({LeaderLockKey}) AS \"Value\"").SingleAsync(cancellationToken))
            {
                LogPruneSkipped(logger);
                return false;
            }

            try
            {
                await PruneAsync(scope.ServiceProvider, cancellationToken);
                return true;
            }
            finally
            {
                await db.Database.SqlQuery<bool>($"SELECT pg_advisory_unlock({LeaderLockKey}) AS \"Value\"").SingleAsync(CancellationToken.None);
            }
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }

    private async Task PruneAsync(IServiceProvider services, CancellationToken cancellationToken)
    {
        var threshold = time.GetUtcNow() - KeepFor;
        var tokens = await services.GetRequiredService<IOpenIddictTokenManager>().PruneAsync(threshold, cancellationToken);
        var authorizations = await services.GetRequiredService<IOpenIddictAuthorizationManager>().PruneAsync(threshold, cancellationToken);
        var db = services.GetRequiredService<IdpDbContext>();
        var now = time.GetUtcNow();
        var sessions = await db.Sessions.Where(s => (s.EndedAt != null && s.EndedAt < threshold) || s.ExpiresAt < threshold)
            .ExecuteDeleteAsync(cancellationToken);
        var enrollments = await db.TotpFactors.Where(f => f.State == TotpFactorState.Pending && f.ExpiresAt < now)
            .ExecuteDeleteAsync(cancellationToken);
        // Pending logins never finished (a spent one has no row left): useless once expired.
        var pendingLogins = await db.PendingLogins.Where(n => n.ExpiresAt < now).ExecuteDeleteAsync(cancellationToken);
        LogPruned(logger, tokens, authorizations, sessions, enrollments, pendingLogins);
    }

    [LoggerMessage(EventId = 5101, Level = LogLevel.Information, Message = "Pruned {Tokens} tokens, {Authorizations} authorizations, {Sessions} sessions, {Enrollments} abandoned enrollments, {PendingLogins} expired pending logins")]
    private static partial void LogPruned(ILogger logger, long tokens, long authorizations, int sessions, int enrollments, int pendingLogins);

    [LoggerMessage(EventId = 5103, Level = LogLevel.Information, Message = "Pruning skipped: another replica holds the pruning lock")]
    private static partial void LogPruneSkipped(ILogger logger);

    [LoggerMessage(EventId = 5102, Level = LogLevel.Error, Message = "Pruning failed; it runs again within the hour")]
    private static partial void LogPruneFailed(ILogger logger, Exception exception);
}
