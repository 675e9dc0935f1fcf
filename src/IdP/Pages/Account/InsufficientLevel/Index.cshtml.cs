using Educloud.Idp.Settings;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Options;

namespace Educloud.Idp.Pages.Account.InsufficientLevel;

[AllowAnonymous]
public sealed class InsufficientLevelModel(IOptions<IdPortenOptions> options) : PageModel
{
    /// <summary>The level the IdP asks ID-porten for (an acr value; the view puts it in words).</summary>
    public string RequiredAcr => options.Value.AcrValues == AcrLevels.High ? AcrLevels.High : AcrLevels.Substantial;

    public void OnGet()
    {
    }
}
