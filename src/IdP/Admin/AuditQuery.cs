using System.Globalization;
using Educloud.Idp.Data;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace Educloud.Idp.Admin;

/// <summary>The audit log filtered by user, type and time, newest first (read only).</summary>
internal static class AuditQuery
{
    public const int MaxRows = 10_000;

    public static (IQueryable<AuditEvent>? Query, ProblemHttpResult? Problem) Filter(IdpDbContext db, string? userId, string? type, string? from, string? to)
    {
        if (!TryTime(from, out var since) || !TryTime(to, out var until))
        {
            return (null, AdminProblems.BadRequest("'from' and 'to' must be ISO 8601 times with an offset (e.g. 2026-11-25T12:00:00Z)."));
        }

        if (since is not null && until is not null && since > until)
        {
            return (null, AdminProblems.BadRequest("'from' is after 'to'."));
        }

        if (userId is { Length: > 450 } || type is { Length: > 64 })
        {
            return (null, AdminProblems.BadRequest("'userId' or 'type' is too long."));
        }

        var query = db.AuditEvents.AsNoTracking();
        if (!string.IsNullOrEmpty(userId))
        {
            query = query.Where(a => a.UserId == userId);
        }

        if (!string.IsNullOrEmpty(type))
        {
            query = query.Where(a => a.Type == type);
        }

        // Times are stored in UTC (the one clock), so the filter is compared in UTC too.
        if (since is not null)
        {
            var at = since.Value;
            query = query.Where(a => a.At >= at);
        }

        if (until is not null)
        {
            var at = until.Value;
            query = query.Where(a => a.At <= at);
        }

        return (query, null);
    }

    /// <summary>
    /// The rows, newest first, with the names of the person and of the actor read in the same query
    /// (a lookup by primary key per row), so the console shows people, not ids, without a call per person.
    /// </summary>
    public static Task<List<AuditEntry>> RowsAsync(IdpDbContext db, IQueryable<AuditEvent> query, int limit, CancellationToken cancellationToken) =>
        query.OrderByDescending(a => a.Id).Take(limit)
            .Select(a => new AuditEntry(a.Id, a.At, a.Type, a.UserId, a.ClientId, a.Actor, a.ActorRole, a.Reason, a.ClientIp,
                db.Users.Where(u => u.Id == a.UserId).Select(u => u.UserName).FirstOrDefault(),
                db.Users.Where(u => u.Id == a.UserId).Select(u => u.DisplayName).FirstOrDefault(),
                db.Users.Where(u => u.Id == a.Actor).Select(u => u.UserName).FirstOrDefault()))
            .ToListAsync(cancellationToken);

    private static bool TryTime(string? text, out DateTimeOffset? value)
    {
        value = null;
        if (string.IsNullOrEmpty(text))
        {
            return true;
        }

        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed))
        {
            value = parsed.ToUniversalTime();
            return true;
        }

        return false;
    }
}
