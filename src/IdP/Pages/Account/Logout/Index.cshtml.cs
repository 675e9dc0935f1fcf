using Educloud.Idp.Federation;
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
        // A session, or a login not finished, from ID-porten ends at ID-porten too, then the person
        // is back on the start page.
        var upstreamIdToken = await sessions.EndEverythingReturningUpstreamIdTokenAsync(HttpContext, LogoutWay.Here);
        return upstreamIdToken is null ? Redirect(AccountPaths.Start) : UpstreamLogout.ThenReturnTo(upstreamIdToken, AccountPaths.Start);
    }
}
