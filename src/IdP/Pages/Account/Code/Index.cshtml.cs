using Educloud.Idp.Data;
using Educloud.Idp.LocalAccounts;
using Educloud.Idp.Sessions;
using Educloud.Idp.Totp;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.RateLimiting;

namespace Educloud.Idp.Pages.Account.Code;

/// <summary>The second factor of every login: a code from the person's authenticator app.</summary>
[AllowAnonymous]
[EnableRateLimiting(TotpExtensions.CodeSubmissionPolicy)]
public sealed class CodeModel(TotpService totp, SessionService sessions) : PageModel
{
    public bool Failed { get; private set; }

    public async Task<IActionResult> OnGetAsync()
    {
        var pending = await PendingLogin.ReadAsync(HttpContext);
        return pending is { Purpose: LoginPurpose.Login } && await pending.IsLiveAsync(HttpContext) ? Page() : Redirect("/account/login");
    }

    public async Task<IActionResult> OnPostAsync(string? code)
    {
        // Spent before the code is checked: a copy of the cookie, used before or after, is refused.
        var pending = await PendingLogin.ReadAsync(HttpContext);
        if (pending is not { Purpose: LoginPurpose.Login } || !await pending.TrySpendAsync(HttpContext))
        {
            return Redirect("/account/login");
        }

        var result = await totp.VerifyAsync(pending.UserId, code ?? "", HttpContext, pending.ClientId);
        if (result != TotpResult.Accepted)
        {
            await pending.RestoreAsync(HttpContext);
            // One message for every failure (wrong, reused, locked out); the log says which.
            Failed = true;
            Response.StatusCode = StatusCodes.Status400BadRequest;
            return Page();
        }

        return await LoginFinish.CompleteAsync(HttpContext, sessions, pending);
    }
}

/// <summary>
/// Both factors proven and the pending login spent (<see cref="PendingLogin.TrySpendAsync"/>): the
/// session starts (amr otp + mfa) and the person goes on to the app.
/// </summary>
internal static class LoginFinish
{
    public static async Task<IActionResult> CompleteAsync(HttpContext http, SessionService sessions, PendingLogin pending)
    {
        var users = http.RequestServices.GetRequiredService<IdpDbContext>().Users;
        var user = await users.FindAsync([pending.UserId], http.RequestAborted);
        await PendingLogin.ClearAsync(http);
        if (user is null)
        {
            return new RedirectResult("/account/login");
        }

        // RFC 8176: otp (the authenticator) and mfa (with ID-porten or a password, more than one factor).
        string[] amr = pending.IsPasswordLogin() ? ["pwd", "otp", "mfa"] : ["otp", "mfa"];
        await sessions.SignInAsync(http, user, pending.Upstream, amr, pending.Upstream.Acr);
        http.RequestServices.GetRequiredService<Hosting.IdpMetrics>().LoginCompleted(pending.IsPasswordLogin());
        return Hosting.LocalUrl.RedirectResult(http, pending.ReturnUrl);
    }
}
