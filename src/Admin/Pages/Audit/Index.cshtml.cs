using System.Reflection;
using Educloud.Idp.Admin.Api;
using Educloud.Idp.Data;
using Educloud.Shared.Localization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.WebUtilities;

namespace Educloud.Idp.Admin.Pages.Audit;

/// <summary>
/// The audit log, filtered by person through the admin API's user search (whatever it finds people
/// by: username, and name or email where known), by kind of event and by time. The API names the
/// person and the actor on each row, so the page makes one call for the events.
/// </summary>
public sealed class AuditModel(AdminApiClient api) : PageModel
{
    /// <summary>Every event type (<see cref="AuditEventTypes"/>, the one list), for the filter.</summary>
    public static IReadOnlyList<string> Types { get; } = [.. typeof(AuditEventTypes).GetFields(BindingFlags.Public | BindingFlags.Static)
        .Where(f => f.IsLiteral).Select(f => (string)f.GetRawConstantValue()!)];

    public AuditFilter Filter { get; private set; } = new(null, null, null, null);

    /// <summary>What was typed in the person box (or, for a link with a user id, who that is).</summary>
    public string? Person { get; private set; }

    /// <summary>When the search found several people (or none): the ones to choose from; no events are shown then.</summary>
    public IReadOnlyList<UserSummary>? Candidates { get; private set; }

    public IReadOnlyList<AuditEntry> Events { get; private set; } = [];

    public string ExportUrl => QueryHelpers.AddQueryString("/audit?handler=export", Query().Where(p => p.Value is not null)!);

    public async Task OnGetAsync(string? person, string? userId, string? type, DateTime? from, DateTime? to, CancellationToken cancellationToken)
    {
        Person = Blank(person);
        var id = Blank(userId);
        if (id is null && Person is not null)
        {
            var found = await api.SearchAsync(Person, cancellationToken);
            // A username typed in full picks that person even when it is the start of others'.
            var exact = found.Where(u => string.Equals(u.UserName, Person, StringComparison.OrdinalIgnoreCase)).ToList();
            var match = exact.Count == 1 ? exact : found;
            if (match.Count != 1)
            {
                Candidates = found;
                Filter = new AuditFilter(null, Blank(type), FromOslo(from), FromOslo(to));
                return;
            }

            id = match[0].Id;
        }

        Filter = new AuditFilter(id, Blank(type), FromOslo(from), FromOslo(to), 200);
        Events = await api.AuditAsync(Filter, cancellationToken);
        Person ??= Events.FirstOrDefault(e => e.UserId == id)?.UserName;
    }

    public async Task<IActionResult> OnGetExportAsync(string? userId, string? type, DateTime? from, DateTime? to, CancellationToken cancellationToken)
    {
        var csv = await api.ExportAuditAsync(new AuditFilter(Blank(userId), Blank(type), FromOslo(from), FromOslo(to)), cancellationToken);
        return File(csv, "text/csv; charset=utf-8", "audit.csv");
    }

    /// <summary>The person of an event as support knows them: name and username, or the username, or the id.</summary>
    public static string PersonOf(AuditEntry e) =>
        e.UserDisplayName is { } name ? $"{name} ({e.UserName})" : e.UserName ?? e.UserId ?? "";

    /// <summary>This page for one of the <see cref="Candidates"/>, with the rest of the filter kept.</summary>
    public string LinkFor(UserSummary person) => QueryHelpers.AddQueryString("/audit",
        Query().Where(p => p.Key != "userId" && p.Value is not null).Append(new("userId", person.Id)).Append(new("person", person.UserName))!);

    private Dictionary<string, string?> Query() => new()
    {
        ["userId"] = Filter.UserId,
        ["type"] = Filter.Type,
        ["from"] = FieldValue(Filter.From),
        ["to"] = FieldValue(Filter.To),
    };

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    /// <summary>A time as the form's datetime-local field shows it: Oslo wall-clock time, to the minute.</summary>
    public static string? FieldValue(DateTimeOffset? when) =>
        when is { } w ? LocalTime.InOslo(w).ToString("yyyy-MM-ddTHH:mm", System.Globalization.CultureInfo.InvariantCulture) : null;

    // The form's datetime-local has no zone: it is Oslo time, as every time on the page.
    private static DateTimeOffset? FromOslo(DateTime? value) => value is { } v ? LocalTime.FromOslo(v) : null;
}
