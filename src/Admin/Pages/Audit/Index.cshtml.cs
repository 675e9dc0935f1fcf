using Educloud.Idp.Admin.Api;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.WebUtilities;

namespace Educloud.Idp.Admin.Pages.Audit;

public sealed class AuditModel(AdminApiClient api) : PageModel
{
    private const int NamesToLookUp = 25;
    private readonly Dictionary<string, string> names = new(StringComparer.Ordinal);

    public AuditFilter Filter { get; private set; } = new(null, null, null, null);

    public IReadOnlyList<AuditEntry> Events { get; private set; } = [];

    public string ExportUrl => QueryHelpers.AddQueryString("/audit?handler=export", Query().Where(p => p.Value is not null)!);

    /// <summary>Who a user id is, as support knows them (name and username), or the id if not looked up.</summary>
    public string NameOf(string userId) => names.TryGetValue(userId, out var name) ? name : userId;

    public async Task OnGetAsync(string? userId, string? type, DateTime? from, DateTime? to, CancellationToken cancellationToken)
    {
        Filter = new AuditFilter(Blank(userId), Blank(type), Utc(from), Utc(to), 200);
        Events = await api.AuditAsync(Filter, cancellationToken);

        // Names for the people and the staff on this page (a bounded number of look-ups).
        foreach (var id in Events.SelectMany(e => new[] { e.UserId, e.Actor }).OfType<string>().Distinct(StringComparer.Ordinal).Take(NamesToLookUp))
        {
            try
            {
                var user = (await api.GetUserAsync(id, cancellationToken)).User;
                names[id] = $"{user.Name} ({user.UserName})";
            }
            catch (AdminApiException problem) when (problem.Status == StatusCodes.Status404NotFound)
            {
                // Not a user (a client id as actor, or a deleted person): the id is shown.
            }
        }
    }

    public async Task<IActionResult> OnGetExportAsync(string? userId, string? type, DateTime? from, DateTime? to, CancellationToken cancellationToken)
    {
        var csv = await api.ExportAuditAsync(new AuditFilter(Blank(userId), Blank(type), Utc(from), Utc(to)), cancellationToken);
        return File(csv, "text/csv; charset=utf-8", "audit.csv");
    }

    private Dictionary<string, string?> Query() => new()
    {
        ["userId"] = Filter.UserId,
        ["type"] = Filter.Type,
        ["from"] = Filter.From?.UtcDateTime.ToString("yyyy-MM-ddTHH:mm", System.Globalization.CultureInfo.InvariantCulture),
        ["to"] = Filter.To?.UtcDateTime.ToString("yyyy-MM-ddTHH:mm", System.Globalization.CultureInfo.InvariantCulture),
    };

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    // The form's datetime-local has no zone: the page says UTC.
    private static DateTimeOffset? Utc(DateTime? value) => value is { } v ? new DateTimeOffset(DateTime.SpecifyKind(v, DateTimeKind.Utc)) : null;
}
