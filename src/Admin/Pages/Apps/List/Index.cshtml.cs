using Educloud.Idp.Admin.Api;
using Educloud.Idp.Admin.Hosting;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Educloud.Idp.Admin.Pages.Apps.List;

[Authorize(Policy = ConsoleExtensions.AdminPolicy)]
public sealed class AppListModel(AdminApiClient api) : PageModel
{
    public IReadOnlyList<AppInfo> Apps { get; private set; } = [];

    public async Task OnGetAsync(CancellationToken cancellationToken) =>
        Apps = [.. (await api.AppsAsync(cancellationToken)).OrderBy(a => a.ClientId, StringComparer.Ordinal)];
}
