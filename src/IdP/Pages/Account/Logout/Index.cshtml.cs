using Educloud.Idp.Sessions;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Educloud.Idp.Pages.Account.Logout;

[AllowAnonymous]
public sealed class LogoutModel(SessionService sessions) : PageModel
{
    public void OnGet()
    {
    }

    public async Task<IActionResult> OnPostAsync()
    {
        await sessions.EndCurrentAsync(HttpContext);
        return Redirect("/");
    }
}
