using Educloud.Idp.Admin.Api;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Educloud.Idp.Admin.Pages;

/// <summary>One search box: the API decides whether it is a national identity number (exact) or text (contains).</summary>
public sealed class SearchModel(AdminApiClient api) : PageModel
{
    public string? Query { get; private set; }

    public IReadOnlyList<UserSummary>? Results { get; private set; }

    public async Task OnGetAsync(string? q, CancellationToken cancellationToken)
    {
        Query = q?.Trim();
        if (!string.IsNullOrEmpty(Query))
        {
            Results = await api.SearchAsync(Query, cancellationToken);
        }
    }
}
