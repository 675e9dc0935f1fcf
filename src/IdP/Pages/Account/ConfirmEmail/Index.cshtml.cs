using Educloud.Idp.Profile;
using Educloud.Idp.Sessions;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Educloud.Idp.Pages.Account.ConfirmEmail;

/// <summary>
/// The link in an address confirmation mail. Opening it (GET) only shows the address and a button:
/// mail scanners that fetch every link must not spend it. The button (POST) confirms. No session is
/// needed and none is given: the token proves that someone reads that mailbox, nothing else.
/// </summary>
[AllowAnonymous]
public sealed class ConfirmEmailModel(ProfileService profile) : PageModel
{
    public string Token { get; private set; } = "";

    public string? Email { get; private set; }

    public bool Confirmed { get; private set; }

    public async Task<IActionResult> OnGetAsync(string? token)
    {
        if (string.IsNullOrEmpty(token))
        {
            return Redirect(AccountPaths.Start);
        }

        Token = token;
        Email = await profile.AddressOfAsync(token, HttpContext.RequestAborted);
        return Shown();
    }

    public async Task<IActionResult> OnPostAsync(string? token)
    {
        Token = token ?? "";
        Email = await profile.ConfirmAsync(token, new(HttpContext.Connection.RemoteIpAddress), HttpContext.RequestAborted);
        Confirmed = Email is not null;
        return Shown();
    }

    // A link that does not work (unknown, used, replaced by a newer address, expired): 400, nothing changed.
    private PageResult Shown()
    {
        if (Email is null)
        {
            Response.StatusCode = StatusCodes.Status400BadRequest;
        }

        return Page();
    }
}
