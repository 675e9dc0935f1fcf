using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Educloud.Idp.Pages.Account.NotRegistered;

[AllowAnonymous]
public sealed class NotRegisteredModel : PageModel
{
    public void OnGet()
    {
    }
}
