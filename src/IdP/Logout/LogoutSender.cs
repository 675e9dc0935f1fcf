using System.Net;
using Educloud.Idp.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Educloud.Idp.Logout;

/// <summary>
/// Delivers the outbox (<see cref="LogoutNotification"/>) on every replica: each <see cref="BackChannelLogoutOptions.PollInterval"/>
/// (<see cref="LogoutSenderLoop"/>) it ends the sessions past their absolute end (<see cref="SessionEndings"/>,
/// which writes their notifications) and sends what is due. Tests call <see cref="DeliverDueAsync"/> directly.
/// </summary>
/// <remarks>
/// <para>
/// At most once per replica set: a row is claimed before it is sent, with one conditional UPDATE
/// (pending, and no live lease → lease until now + <see cref="Lease"/>, owner this instance); of two
/// replicas claiming the same row at once exactly one changes it (a row lock on PostgreSQL, the one
/// writer on SQLite). A delivered row is deleted; a failed one waits (exponential backoff from
/// <see cref="BackChannelLogoutOptions.FirstRetryDelay"/> to <see cref="BackChannelLogoutOptions.MaxRetryDelay"/>)
/// and is marked failed once <see cref="BackChannelLogoutOptions.RetryWindow"/> has passed since the session ended.
/// A replica that dies mid-send leaves its lease to expire, and another sends the row again: the
/// app may then get the same logout twice, which section 2.7 makes harmless (the session is gone).
/// </para>
/// <para>
/// Timeouts: 2 s to connect, 5 s for the whole exchange (the numbers; ID-porten's own
/// back-channel logout uses 5 s): an app that hangs delays nothing but its own row.
/// </para>
/// </remarks>
public sealed partial class LogoutSender(
    IServiceScopeFactory scopes,
    IHttpClientFactory http,
    LogoutTokens logoutTokens,
    LogoutMetrics metrics,
    IOptions<BackChannelLogoutOptions> options,
    TimeProvider time,
    ILogger<LogoutSender> logger)
{
    public const string HttpClientName = "Educloud.Idp.BackChannelLogout";
    public static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(2);
    public static readonly TimeSpan ReadTimeout = TimeSpan.FromSeconds(5);

    /// <summary>How long a claim holds: well beyond one batch of sends (each at most <see cref="ReadTimeout"/>).</summary>
    public static readonly TimeSpan Lease = TimeSpan.FromMinutes(2);

    /// <summary>Rows claimed per round (sent at once), and sessions ended per round by the timeout sweep.</summary>
    public const int BatchSize = 50;

    /// <summary>This instance's name on its claims.</summary>
    private readonly string owner = Guid.NewGuid().ToString("N");

    /// <summary>
    /// Sessions past their absolute end (<c>Session:AbsoluteTimeout</c>) are ended here, within one
    /// poll interval, and their apps told: a timed-out session is otherwise only noticed when its
    /// browser comes back (TimedOutSession), which may be never.
    /// </summary>
    /// <returns>How many sessions it ended.</returns>
    public async Task<int> EndTimedOutSessionsAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<IdpDbContext>();
        var now = time.GetUtcNow();
        var expired = await db.Sessions.AsNoTracking().Where(s => s.EndedAt == null && s.ExpiresAt <= now)
            .OrderBy(s => s.ExpiresAt).Select(s => s.Id).Take(BatchSize).ToListAsync(cancellationToken);
        if (expired.Count == 0)
        {
            return 0;
        }

        var ended = await scope.ServiceProvider.GetRequiredService<SessionEndings>().EndAsync(s => expired.Contains(s.Id), cancellationToken, timedOut: true);
        LogTimedOutEnded(logger, ended);
        return ended;
    }

    /// <summary>How long a failed notification stays visible to admins (as long as pruned sessions and tokens stay, Data/Pruning).</summary>
    public static readonly TimeSpan KeepFailedFor = Pruning.KeepFor;

    /// <summary>Deletes failed notifications older than <see cref="KeepFailedFor"/> (an idempotent DELETE, safe on every replica).</summary>
    public async Task<int> PruneFailedAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var threshold = time.GetUtcNow() - KeepFailedFor;
        return await scope.ServiceProvider.GetRequiredService<IdpDbContext>().LogoutNotifications
            .Where(n => n.State == LogoutNotificationState.Failed && n.CreatedAt < threshold).ExecuteDeleteAsync(cancellationToken);
    }

    /// <summary>Claims the notifications due, sends them, and records each outcome.</summary>
    /// <returns>How many were delivered.</returns>
    public async Task<int> DeliverDueAsync(CancellationToken cancellationToken = default)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<IdpDbContext>();
        var claimed = await ClaimAsync(db, await DueAsync(db, cancellationToken), cancellationToken);
        var outcomes = await Task.WhenAll(claimed.Select(row => SendAsync(row, cancellationToken)));
        var delivered = 0;
        foreach (var (row, error) in claimed.Zip(outcomes))
        {
            if (error is null)
            {
                await db.LogoutNotifications.Where(n => n.Id == row.Id && n.ClaimedBy == owner).ExecuteDeleteAsync(cancellationToken);
                metrics.Delivered();
                LogDelivered(logger, row.ClientId, row.Attempts + 1);
                delivered++;
            }
            else
            {
                await FailedAsync(db, row, error, cancellationToken);
            }
        }

        return delivered;
    }

    /// <summary>The notifications due now and not under a live claim (another replica's, or this one's).</summary>
    internal async Task<List<LogoutNotification>> DueAsync(IdpDbContext db, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        return await db.LogoutNotifications.AsNoTracking()
            .Where(n => n.State == LogoutNotificationState.Pending && n.NextAttemptAt <= now && (n.ClaimedUntil == null || n.ClaimedUntil < now))
            .OrderBy(n => n.NextAttemptAt).Take(BatchSize).ToListAsync(cancellationToken);
    }

    /// <summary>
    /// Claims each row with one conditional UPDATE; returns those this instance won. Two replicas that
    /// read the same rows at once both try, and each row changes for one of them only.
    /// </summary>
    internal async Task<List<LogoutNotification>> ClaimAsync(IdpDbContext db, List<LogoutNotification> due, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var claimed = new List<LogoutNotification>();
        foreach (var row in due)
        {
            var won = await db.LogoutNotifications
                .Where(n => n.Id == row.Id && n.State == LogoutNotificationState.Pending && (n.ClaimedUntil == null || n.ClaimedUntil < now))
                .ExecuteUpdateAsync(n => n.SetProperty(x => x.ClaimedUntil, now + Lease).SetProperty(x => x.ClaimedBy, owner), cancellationToken);
            if (won == 1)
            {
                claimed.Add(row);
            }
        }

        return claimed;
    }

    /// <returns>Null when the app took it (200 or 204, section 2.8), else why not (never with the token).</returns>
    private async Task<string?> SendAsync(LogoutNotification row, CancellationToken cancellationToken)
    {
        try
        {
            using var client = http.CreateClient(HttpClientName);
            using var content = new FormUrlEncodedContent([new("logout_token", logoutTokens.Create(row.ClientId, row.Subject, row.SessionId))]);
            using var response = await client.PostAsync(row.Uri, content, cancellationToken);
            return response.StatusCode is HttpStatusCode.OK or HttpStatusCode.NoContent ? null : $"HTTP {(int)response.StatusCode}";
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return "timeout";
        }
        catch (HttpRequestException e)
        {
            return e.HttpRequestError == HttpRequestError.Unknown ? "connection failed" : e.HttpRequestError.ToString();
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Anything else (a URI the handler refuses, ...) is this row's failure, never the round's.
            return e.GetType().Name;
        }
    }

    private async Task FailedAsync(IdpDbContext db, LogoutNotification row, string error, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var attempts = row.Attempts + 1;
        var settings = options.Value;
        var next = now + Backoff(attempts, settings);
        var giveUp = next > row.CreatedAt + settings.RetryWindow;
        await db.LogoutNotifications.Where(n => n.Id == row.Id && n.ClaimedBy == owner).ExecuteUpdateAsync(n => n
            .SetProperty(x => x.Attempts, attempts)
            .SetProperty(x => x.LastError, error)
            .SetProperty(x => x.NextAttemptAt, next)
            .SetProperty(x => x.State, giveUp ? LogoutNotificationState.Failed : LogoutNotificationState.Pending)
            .SetProperty(x => x.ClaimedUntil, (DateTimeOffset?)null)
            .SetProperty(x => x.ClaimedBy, (string?)null), cancellationToken);
        if (giveUp)
        {
            metrics.Failed();
            LogGaveUp(logger, row.ClientId, attempts, error);
        }
        else
        {
            metrics.Retry();
            LogAttemptFailed(logger, row.ClientId, attempts, error);
        }
    }

    /// <summary>FirstRetryDelay × 2^(attempts − 1), at most MaxRetryDelay.</summary>
    internal static TimeSpan Backoff(int attempts, BackChannelLogoutOptions settings)
    {
        var factor = Math.Pow(2, Math.Min(attempts - 1, 30));
        var delay = settings.FirstRetryDelay * factor;
        return delay > settings.MaxRetryDelay ? settings.MaxRetryDelay : delay;
    }

    [LoggerMessage(EventId = 8001, Level = LogLevel.Information, Message = "Back-channel logout delivered to {ClientId} (attempt {Attempt})")]
    private static partial void LogDelivered(ILogger logger, string clientId, int attempt);

    [LoggerMessage(EventId = 8002, Level = LogLevel.Warning, Message = "Back-channel logout to {ClientId} failed (attempt {Attempt}: {Error}); it is tried again")]
    private static partial void LogAttemptFailed(ILogger logger, string clientId, int attempt, string error);

    [LoggerMessage(EventId = 8003, Level = LogLevel.Error, Message = "Back-channel logout to {ClientId} given up after {Attempts} attempts (last: {Error})")]
    private static partial void LogGaveUp(ILogger logger, string clientId, int attempts, string error);

    [LoggerMessage(EventId = 8005, Level = LogLevel.Information, Message = "Ended {Count} session(s) past their absolute end; their apps are told")]
    private static partial void LogTimedOutEnded(ILogger logger, int count);
}

/// <summary>Runs <see cref="LogoutSender"/> every <see cref="BackChannelLogoutOptions.PollInterval"/> on the IdP's clock.</summary>
public sealed partial class LogoutSenderLoop(LogoutSender sender, IOptions<BackChannelLogoutOptions> options, TimeProvider time, ILogger<LogoutSenderLoop> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.PollInterval, time);
        var nextPrune = time.GetUtcNow();
        do
        {
            try
            {
                await sender.EndTimedOutSessionsAsync(stoppingToken);
                await sender.DeliverDueAsync(stoppingToken);
                if (time.GetUtcNow() >= nextPrune)
                {
                    await sender.PruneFailedAsync(stoppingToken);
                    nextPrune = time.GetUtcNow() + Pruning.Interval;
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // The rows stay; the next round tries again. It must never take the IdP down.
                LogRoundFailed(logger, e);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    [LoggerMessage(EventId = 8004, Level = LogLevel.Error, Message = "Back-channel logout round failed; it runs again at the next poll")]
    private static partial void LogRoundFailed(ILogger logger, Exception exception);
}
