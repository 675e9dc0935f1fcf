using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Educloud.Idp.Pages.Account.ForeignEid;

/// <summary>After an ID-porten login without a Norwegian national identity number (eIDAS): what to do (Federation/ForeignEid).</summary>
[AllowAnonymous]
public sealed class ForeignEidModel : PageModel
{
    public void OnGet()
    {
    }
}
