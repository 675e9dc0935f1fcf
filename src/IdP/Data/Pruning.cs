using Educloud.Idp.Totp;
using Microsoft.EntityFrameworkCore;
using OpenIddict.Abstractions;

namespace Educloud.Idp.Data;

/// <summary>
/// Removes what can no longer be used: expired or revoked tokens and authorizations (OpenIddict
/// keeps every issued token as a row), ended sessions, abandoned enrollments and expired pending logins. Rows are kept a
/// while after they stop working so support can still see them (OpenIddict.Quartz is not used).
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

    public async Task PruneOnceAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var services = scope.ServiceProvider;
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

    [LoggerMessage(EventId = 5102, Level = LogLevel.Error, Message = "Pruning failed; it runs again within the hour")]
    private static partial void LogPruneFailed(ILogger logger, Exception exception);
}
