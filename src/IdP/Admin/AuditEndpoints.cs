using System.Globalization;
using System.Text;
using Educloud.Idp.Data;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace Educloud.Idp.Admin;

public sealed record AuditEntry(long Id, DateTimeOffset At, string Type, string? UserId, string? ClientId, string? Actor, string? ActorRole, string? Reason, string? ClientIp);

/// <summary>The audit log: filtered by user, type and time; as JSON or as a CSV export. Support and admin may read it.</summary>
public static class AuditEndpoints
{
    private const int MaxRows = 10_000;

    private static readonly System.Buffers.SearchValues<char> NeedQuotes = System.Buffers.SearchValues.Create(",;\t\"\r\n");

    public static void MapAdminAudit(this RouteGroupBuilder api)
    {
        var audit = api.MapGroup("/audit").RequireAuthorization(AdminApiExtensions.SupportPolicy).WithTags("Audit");
        audit.MapGet("/", ListAsync).WithName("ListAuditEvents")
            .WithSummary("Audit events, newest first; filter by userId, type, from and to (ISO 8601); at most 'limit' (default 100, at most 10000).");
        audit.MapGet("/export.csv", ExportAsync).WithName("ExportAuditEvents")
            .WithSummary("The same filter as a CSV file (RFC 4180).").Produces<string>(200, "text/csv");
    }

    private static async Task<Results<Ok<List<AuditEntry>>, ProblemHttpResult>> ListAsync(
        string? userId, string? type, string? from, string? to, int? limit, IdpDbContext db, CancellationToken cancellationToken)
    {
        var (query, problem) = Filter(db, userId, type, from, to);
        if (problem is not null)
        {
            return problem;
        }

        if (limit is < 1 or > MaxRows)
        {
            return UserEndpoints.Problem(400, $"'limit' must be between 1 and {MaxRows}.");
        }

        return TypedResults.Ok(await Rows(query!, limit ?? 100).ToListAsync(cancellationToken));
    }

    private static async Task<Results<FileContentHttpResult, ProblemHttpResult>> ExportAsync(
        string? userId, string? type, string? from, string? to, IdpDbContext db, CancellationToken cancellationToken)
    {
        var (query, problem) = Filter(db, userId, type, from, to);
        if (problem is not null)
        {
            return problem;
        }

        var csv = new StringBuilder("id,at,type,user_id,client_id,actor,actor_role,reason,client_ip\r\n");
        foreach (var e in await Rows(query!, MaxRows).ToListAsync(cancellationToken))
        {
            csv.AppendJoin(',', [
                e.Id.ToString(CultureInfo.InvariantCulture), e.At.UtcDateTime.ToString("O", CultureInfo.InvariantCulture),
                Cell(e.Type), Cell(e.UserId), Cell(e.ClientId), Cell(e.Actor), Cell(e.ActorRole), Cell(e.Reason), Cell(e.ClientIp)]).Append("\r\n");
        }

        return TypedResults.File(Encoding.UTF8.GetBytes(csv.ToString()), "text/csv; charset=utf-8", "audit.csv");
    }

    private static (IQueryable<AuditEvent>? Query, ProblemHttpResult? Problem) Filter(IdpDbContext db, string? userId, string? type, string? from, string? to)
    {
        if (!TryTime(from, out var since) || !TryTime(to, out var until))
        {
            return (null, UserEndpoints.Problem(400, "'from' and 'to' must be ISO 8601 times with an offset (e.g. 2026-11-25T12:00:00Z)."));
        }

        if (since is not null && until is not null && since > until)
        {
            return (null, UserEndpoints.Problem(400, "'from' is after 'to'."));
        }

        if (userId is { Length: > 450 } || type is { Length: > 64 })
        {
            return (null, UserEndpoints.Problem(400, "'userId' or 'type' is too long."));
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

    private static IQueryable<AuditEntry> Rows(IQueryable<AuditEvent> query, int limit) =>
        query.OrderByDescending(a => a.Id).Take(limit)
            .Select(a => new AuditEntry(a.Id, a.At, a.Type, a.UserId, a.ClientId, a.Actor, a.ActorRole, a.Reason, a.ClientIp));

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

    /// <summary>
    /// RFC 4180 quoting, and no formula injection when the file is opened in a spreadsheet (OWASP
    /// "CSV Injection"). Any cell holding a separator a spreadsheet may guess (',' ';' tab), a quote
    /// or a line break is quoted, with quotes doubled, so a reason written by support cannot add
    /// columns or rows. A cell starting like a formula (also in its full-width forms, which some
    /// spreadsheets fold) gets a leading apostrophe.
    /// </summary>
    internal static string Cell(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return "";
        }

        if (value[0] is '=' or '+' or '-' or '@' or '\t' or '\r' or '\n' or '\uFF1D' or '\uFF0B' or '\uFF0D' or '\uFF20')
        {
            value = "'" + value;
        }

        return value.AsSpan().IndexOfAny(NeedQuotes) >= 0 ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : value;
    }
}
