using Educloud.Idp.Admin.Api;
using Educloud.Idp.Admin.Hosting;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Educloud.Idp.Admin.Pages.Apps.Details;

// TODO(issue 4): an edit screen for redirect URIs, scopes and type (PUT /api/admin/apps/{clientId}
// without rotateSecret); until then admins change those through the API.
[Authorize(Policy = ConsoleExtensions.AdminPolicy)]
public sealed class AppDetailsModel(AdminApiClient api) : PageModel
{
    public AppInfo App { get; private set; } = null!;

    public async Task OnGetAsync(string clientId, CancellationToken cancellationToken) =>
        App = await api.GetAppAsync(clientId, cancellationToken);
}
