using Educloud.Idp.Admin.Api;
using Educloud.Idp.Admin.Hosting;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Educloud.Idp.Admin.Pages.Apps.Details;

[Authorize(Policy = ConsoleExtensions.AdminPolicy)]
public sealed class AppDetailsModel(AdminApiClient api) : PageModel
{
    public AppInfo App { get; private set; } = null!;

    public async Task OnGetAsync(string clientId, CancellationToken cancellationToken) =>
        App = await api.GetAppAsync(clientId, cancellationToken);
}
