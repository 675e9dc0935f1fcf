using Educloud.Idp.Admin.Api;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Educloud.Idp.Admin.Pages.Users.Details;

public sealed class DetailsModel(AdminApiClient api) : PageModel
{
    public UserDetails Details { get; private set; } = null!;

    public async Task OnGetAsync(string id, CancellationToken cancellationToken) =>
        Details = await api.GetUserAsync(id, cancellationToken);
}
