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
    /// <summary>The enrollment page sends a tab here whose authenticator was set up in another tab.</summary>
    public const string AlreadySetUpNotice = "already-set-up";

    public bool Failed { get; private set; }

    /// <summary>Codes are refused for now; shown because this person has proven the first factor (as the password form does).</summary>
    public TotpLockout? Lockout { get; private set; }

    public bool AlreadySetUp { get; private set; }

    /// <summary>A lockout's end as a time of day, rounded up to the minute so that "after" is true.</summary>
    public static string Shown(DateTimeOffset until) =>
        new DateTimeOffset((until.UtcTicks + TimeSpan.TicksPerMinute - 1) / TimeSpan.TicksPerMinute * TimeSpan.TicksPerMinute, TimeSpan.Zero)
            .ToString("HH:mm 'UTC'", System.Globalization.CultureInfo.InvariantCulture);

    public async Task<IActionResult> OnGetAsync(string? notice)
    {
        var pending = await PendingLogin.ReadAsync(HttpContext);
        if (pending is not { Purpose: LoginPurpose.Login } || !await pending.IsLiveAsync(HttpContext))
        {
            return Redirect("/account/login");
        }

        AlreadySetUp = notice == AlreadySetUpNotice;
        return Page();
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
            // One message for a wrong or reused code; a lockout is said as such, with its end, so
            // a person with a working phone does not retry in vain (the log says which).
            Lockout = result == TotpResult.LockedOut ? await totp.LockoutAsync(pending.UserId, HttpContext.RequestAborted) : null;
            Failed = Lockout is null;
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
// TODO(issue 9): move into one login-flow class under Sessions/ with LoginCompletion and the
// pending login's construction (built in three places), with the first factor as an explicit kind.
internal static class LoginFinish
{
    /// <param name="notice">Said on the start page when the login goes back there (<see cref="StartNotice"/>); an app's way back is left as it is.</param>
    public static async Task<IActionResult> CompleteAsync(HttpContext http, SessionService sessions, PendingLogin pending, string? notice = null)
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
        if (notice is not null && Hosting.LocalUrl.OrRoot(pending.ReturnUrl) == "/")
        {
            return new RedirectResult("/?notice=" + notice);
        }

        return Hosting.LocalUrl.RedirectResult(http, pending.ReturnUrl);
    }
}
