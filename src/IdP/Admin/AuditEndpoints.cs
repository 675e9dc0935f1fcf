using System.Globalization;
using System.Text;
using Educloud.Idp.Data;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Educloud.Idp.Admin;

/// <summary>The audit log: filtered by user, type and time; as JSON or as a CSV export. Support and admin may read it.</summary>
public static class AuditEndpoints
{
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
        var (query, problem) = AuditQuery.Filter(db, userId, type, from, to);
        if (problem is not null)
        {
            return problem;
        }

        if (limit is < 1 or > AuditQuery.MaxRows)
        {
            return AdminProblems.BadRequest($"'limit' must be between 1 and {AuditQuery.MaxRows}.");
        }

        return TypedResults.Ok(await AuditQuery.RowsAsync(db, query!, limit ?? 100, cancellationToken));
    }

    private static async Task<Results<FileContentHttpResult, ProblemHttpResult>> ExportAsync(
        string? userId, string? type, string? from, string? to, IdpDbContext db, CancellationToken cancellationToken)
    {
        var (query, problem) = AuditQuery.Filter(db, userId, type, from, to);
        if (problem is not null)
        {
            return problem;
        }

        var csv = new StringBuilder("id,at,type,user_id,client_id,actor,actor_role,reason,client_ip\r\n");
        foreach (var e in await AuditQuery.RowsAsync(db, query!, AuditQuery.MaxRows, cancellationToken))
        {
            csv.AppendJoin(',', [
                e.Id.ToString(CultureInfo.InvariantCulture), e.At.UtcDateTime.ToString("O", CultureInfo.InvariantCulture),
                Cell(e.Type), Cell(e.UserId), Cell(e.ClientId), Cell(e.Actor), Cell(e.ActorRole), Cell(e.Reason), Cell(e.ClientIp)]).Append("\r\n");
        }

        return TypedResults.File(Encoding.UTF8.GetBytes(csv.ToString()), "text/csv; charset=utf-8", "audit.csv");
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
