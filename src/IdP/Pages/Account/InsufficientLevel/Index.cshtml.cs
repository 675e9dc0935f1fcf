using Educloud.Idp.Settings;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Options;

namespace Educloud.Idp.Pages.Account.InsufficientLevel;

[AllowAnonymous]
public sealed class InsufficientLevelModel(IOptions<IdPortenOptions> options) : PageModel
{
    public string Required => options.Value.AcrValues == AcrLevels.High ? "high" : "substantial";

    public void OnGet()
    {
    }
}
