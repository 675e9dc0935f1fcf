using Educloud.Idp.Admin.Api;
using Educloud.Idp.Admin.Hosting;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Educloud.Idp.Admin.Pages.Apps.Details;

[Authorize(Policy = ConsoleExtensions.AdminPolicy)]
public sealed class AppDetailsModel(AdminApiClient api) : PageModel
{
    public AppInfo App { get; private set; } = null!;

    /// <summary>The app's back-channel logout notifications not delivered (pending, failed).</summary>
    public LogoutDeliveries Deliveries { get; private set; } = null!;

    /// <summary>The app whose settings the Edit screen just saved (its client id), once.</summary>
    [TempData]
    public string? Saved { get; set; }

    public async Task OnGetAsync(string clientId, CancellationToken cancellationToken)
    {
        App = await api.GetAppAsync(clientId, cancellationToken);
        Deliveries = await api.LogoutDeliveriesAsync(clientId, cancellationToken);
    }
}
