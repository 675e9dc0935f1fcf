using System.Collections.Concurrent;
using Educloud.Idp.Connect;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Educloud.Idp.Data;

/// <summary>
/// PostgreSQL: app changes are announced with NOTIFY, and every replica LISTENs on a connection of
/// its own and empties its <see cref="CachedApplications"/> on each notice. The cache is used only
/// while this replica is known to be listening: it starts suspended, resumes (empty) once LISTEN
/// succeeded and a notice of its own came back on it, and is suspended again as soon as the
/// connection fails or a later probe notice does not come back in time (a half-open connection hears
/// nothing and must not be trusted; a pooler in transaction mode, which does not support LISTEN,
/// is caught this way most of the time, and deploy/README.md rules it out). A notice sent while a replica was not listening is lost to it, which is why it starts
/// empty when it listens again.
/// </summary>
public sealed partial class PostgreSqlApplicationChanges(
    string connectionString,
    CachedApplications cache,
    ILogger<PostgreSqlApplicationChanges> logger) : BackgroundService, IApplicationChanges
{
    internal const string Channel = "educloud_app_changes";

    // Payloads of the listener's own probes: they prove delivery and change nothing.
    private const string ProbePrefix = "probe-";

    // Wait this long for a notice before probing that notices still arrive.
    private static readonly TimeSpan Heartbeat = TimeSpan.FromSeconds(5);

    // How long a probe may take to come back, and how long to wait before connecting again after a failure.
    private static readonly TimeSpan CheckTimeout = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan Retry = TimeSpan.FromSeconds(2);

    // How long the announcing request waits to hear its own notice back (see AnnounceAsync).
    private static readonly TimeSpan EchoTimeout = TimeSpan.FromSeconds(5);

    // Every wait here is for the network, so on the real clock: not the IdP's TimeProvider, which
    // decides security questions and which tests move or stop.
    private static readonly TimeProvider Network = TimeProvider.System;

    private readonly ConcurrentDictionary<string, TaskCompletionSource> echoes = new(StringComparer.Ordinal);
    private volatile bool listening;

    public async Task AnnounceAsync(IdpDbContext db, CancellationToken cancellationToken)
    {
        cache.Forget();
        var notice = Guid.NewGuid().ToString("N");
        var echo = listening ? echoes.GetOrAdd(notice, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)) : null;
        try
        {
            await db.Database.ExecuteSqlAsync($"SELECT pg_notify({Channel}, {notice})", cancellationToken);
            if (echo is not null)
            {
                // PostgreSQL hands a notice to every listening connection at once, ours among them:
                // when ours is back, the others have been sent theirs too, so the admin's answer
                // ("disabled") does not come before the other replicas were told.
                await echo.Task.WaitAsync(EchoTimeout, Network, cancellationToken);
            }
        }
        catch (TimeoutException)
        {
            LogNoEcho(logger);
        }
        finally
        {
            echoes.TryRemove(notice, out _);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Its own physical connection, outside the pool: LISTEN is session state that must not
        // travel with a pooled connection to other work (the pool does not reset connections, DataExtensions).
        var listenerConnection = new NpgsqlConnectionStringBuilder(connectionString)
        {
            Pooling = false,
            Multiplexing = false,
            MaxAutoPrepare = 0,
            ApplicationName = "Educloud.Idp app-change listener",
        }.ConnectionString;

        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await ListenAsync(listenerConnection, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                LogListenerLost(logger, e.GetType().Name);
            }
            finally
            {
                listening = false;
                cache.Suspend();
                // No echo can come now: whoever waits for one goes on (this replica no longer uses its cache).
                foreach (var echo in echoes.Values)
                {
                    echo.TrySetResult();
                }
            }

            try
            {
                await Task.Delay(Retry, Network, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private async Task ListenAsync(string listenerConnection, CancellationToken stoppingToken)
    {
        await using var connection = new NpgsqlConnection(listenerConnection);
        connection.Notification += (_, e) => Heard(e.Payload);
        await connection.OpenAsync(stoppingToken);
        await using (var listen = new NpgsqlCommand($"LISTEN {Channel}", connection))
        {
            await listen.ExecuteNonQueryAsync(stoppingToken);
        }

        await ProbeAsync(connection, stoppingToken);
        cache.Resume();
        listening = true;
        LogListening(logger);
        while (true)
        {
            if (!await connection.WaitAsync(Heartbeat, stoppingToken))
            {
                // Nothing heard for a while: a dead peer behind a firewall looks like silence.
                // A failed probe suspends the cache (ExecuteAsync).
                await ProbeAsync(connection, stoppingToken);
            }
        }
    }

    /// <summary>Sends a notice on the listening connection and waits until it comes back on it.</summary>
    private async Task ProbeAsync(NpgsqlConnection connection, CancellationToken stoppingToken)
    {
        var probe = ProbePrefix + Guid.NewGuid().ToString("N");
        var heard = echoes.GetOrAdd(probe, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        try
        {
            await using var notify = new NpgsqlCommand("SELECT pg_notify(@channel, @probe)", connection) { CommandTimeout = (int)CheckTimeout.TotalSeconds };
            notify.Parameters.AddWithValue("channel", Channel);
            notify.Parameters.AddWithValue("probe", probe);
            await notify.ExecuteNonQueryAsync(stoppingToken);
            var sent = Network.GetTimestamp();
            while (!heard.Task.IsCompleted)
            {
                if (Network.GetElapsedTime(sent) > CheckTimeout || !await connection.WaitAsync(CheckTimeout, stoppingToken))
                {
                    throw new TimeoutException("A probe notice did not come back.");
                }
            }
        }
        finally
        {
            echoes.TryRemove(probe, out _);
        }
    }

    private void Heard(string payload)
    {
        // A probe (this replica's or another's) says nothing about apps.
        if (!payload.StartsWith(ProbePrefix, StringComparison.Ordinal))
        {
            cache.Forget();
        }

        if (echoes.TryGetValue(payload, out var echo))
        {
            echo.TrySetResult();
        }
    }

    [LoggerMessage(EventId = 5201, Level = LogLevel.Information, Message = "Listening for research app changes; the app cache is in use")]
    private static partial void LogListening(ILogger logger);

    [LoggerMessage(EventId = 5202, Level = LogLevel.Warning, Message = "Lost the connection that listens for research app changes ({Error}); apps are read from the database until it is back")]
    private static partial void LogListenerLost(ILogger logger, string error);

    [LoggerMessage(EventId = 5203, Level = LogLevel.Warning, Message = "A research app change was announced but its notice did not come back in time; other replicas may see it late")]
    private static partial void LogNoEcho(ILogger logger);
}
