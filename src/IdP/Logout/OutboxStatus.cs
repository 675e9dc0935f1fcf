using Educloud.Idp.Admin;
using Educloud.Idp.Data;
using Microsoft.EntityFrameworkCore;

namespace Educloud.Idp.Logout;

/// <summary>What admins see of the outbox: per app, the notifications pending and failed, and the latest of them.</summary>
public sealed class OutboxStatus(IdpDbContext db)
{
    /// <summary>How many rows each app's answer lists (the counts cover all).</summary>
    public const int Latest = 20;

    /// <summary>Every app with a notification pending or failed.</summary>
    public async Task<List<LogoutDeliveries>> AllAsync(CancellationToken cancellationToken)
    {
        var counts = await db.LogoutNotifications.AsNoTracking().GroupBy(n => new { n.ClientId, n.State })
            .Select(g => new { g.Key.ClientId, g.Key.State, Count = g.Count() }).ToListAsync(cancellationToken);
        var list = new List<LogoutDeliveries>();
        foreach (var clientId in counts.Select(c => c.ClientId).Distinct().Order(StringComparer.Ordinal))
        {
            list.Add(await OfAsync(clientId, cancellationToken));
        }

        return list;
    }

    public async Task<LogoutDeliveries> OfAsync(string clientId, CancellationToken cancellationToken)
    {
        var rows = db.LogoutNotifications.AsNoTracking().Where(n => n.ClientId == clientId);
        var pending = await rows.CountAsync(n => n.State == LogoutNotificationState.Pending, cancellationToken);
        var failed = await rows.CountAsync(n => n.State == LogoutNotificationState.Failed, cancellationToken);
        var latest = await rows.OrderByDescending(n => n.CreatedAt).Take(Latest)
            .Select(n => new { n.State, n.CreatedAt, n.Attempts, n.NextAttemptAt, n.LastError }).ToListAsync(cancellationToken);
        return new LogoutDeliveries(clientId, pending, failed,
            [.. latest.Select(n => new LogoutDelivery(n.State == LogoutNotificationState.Failed ? "failed" : "pending", n.CreatedAt, n.Attempts, n.NextAttemptAt, n.LastError))]);
    }
}
