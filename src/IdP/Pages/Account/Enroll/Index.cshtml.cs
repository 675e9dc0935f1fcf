using Educloud.Idp.Data;
using Educloud.Idp.Pages.Account.Code;
using Educloud.Idp.LocalAccounts;
using Educloud.Idp.Sessions;
using Educloud.Idp.Totp;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;

namespace Educloud.Idp.Pages.Account.Enroll;

/// <summary>
/// Setting up an authenticator. Reached only with a first factor proven in this very flow: a
/// fresh ID-porten login ("Need a new one-time code?"), or a login of someone who has none yet.
/// Never with a password alone, never "later".
/// </summary>
[AllowAnonymous]
[EnableRateLimiting(TotpExtensions.CodeSubmissionPolicy)]
[IgnoreAntiforgeryToken] // checked in OnPostAsync, which also explains a token from before another tab's login
public sealed class EnrollModel(TotpService totp, SessionService sessions, QrCodes qr, IdpDbContext db, IOptions<TotpOptions> options, IAntiforgery antiforgery) : PageModel
{
    public Guid FactorId { get; private set; }

    public string QrCode { get; private set; } = "";

    public string GroupedSecret { get; private set; } = "";

    public string Account { get; private set; } = "";

    public string Issuer => options.Value.Issuer;

    public DateTimeOffset ExpiresAt { get; private set; }

    public bool Replacing { get; private set; }

    public bool Failed { get; private set; }

    /// <summary>The code was right but for a QR code that has expired (or was replaced): a new one is shown.</summary>
    public bool Expired { get; private set; }

    public async Task<IActionResult> OnGetAsync()
    {
        var pending = await AllowedAsync(await PendingLogin.ReadAsync(HttpContext));
        if (pending is null || !await pending.IsLiveAsync(HttpContext))
        {
            return Redirect("/account/new-code");
        }

        // The same QR code on every load and in every tab until it is confirmed or expires: a
        // reload (or a phone reloading the tab while the person is in the app) must not kill the scan.
        await ShowAsync(pending, await totp.PendingEnrollmentAsync(pending.UserId, HttpContext.RequestAborted));
        return Page();
    }

    public async Task<IActionResult> OnPostAsync(Guid factorId, string? code)
    {
        if (!await antiforgery.IsRequestValidAsync(HttpContext))
        {
            // The token is bound to who is logged in: a second tab's form, made before the first
            // tab finished the login, no longer matches. Nothing is changed either way; only the
            // answer differs (a forged post from another site gets a redirect to the start page).
            return await LoggedInWithAuthenticatorAsync() ? Redirect("/?notice=" + StartNotice.AuthenticatorSetUp) : BadRequest();
        }

        var read = await PendingLogin.ReadAsync(HttpContext);
        if (await SetUpMeanwhileAsync(read) is { } carryOn)
        {
            return carryOn;
        }

        // Spent before the authenticator is confirmed: a copy of the cookie confirms nothing else.
        var pending = await AllowedAsync(read);
        if (pending is null || !await pending.TrySpendAsync(HttpContext))
        {
            return await NoPendingLoginAsync();
        }

        var replacing = await totp.HasActiveAsync(pending.UserId, HttpContext.RequestAborted);
        var result = await totp.ConfirmEnrollmentAsync(pending.UserId, factorId, code ?? "", HttpContext, pending.ClientId);
        if (result == TotpResult.Accepted)
        {
            return await Code.LoginFinish.CompleteAsync(HttpContext, sessions, pending, replacing ? StartNotice.AuthenticatorReplaced : null);
        }

        if (result == TotpResult.AlreadyConfirmed)
        {
            // Another tab (or browser) confirmed it first. The code was not checked against the
            // new authenticator, so no session from here: this login goes on with the code page.
            return await AlreadySetUpAsync(pending, restore: true);
        }

        await pending.RestoreAsync(HttpContext);
        await ShowAsync(pending, await totp.PendingEnrollmentAsync(pending.UserId, HttpContext.RequestAborted));
        Expired = result is TotpResult.Expired or TotpResult.NoAuthenticator;
        Failed = !Expired;
        Response.StatusCode = StatusCodes.Status400BadRequest;
        return Page();
    }

    /// <summary>
    /// A tab of a login that had no authenticator, posting after one was set up in another tab or
    /// browser: its pending login (if still live) goes on to the code page, as any login would.
    /// </summary>
    private async Task<IActionResult?> SetUpMeanwhileAsync(PendingLogin? pending) =>
        pending is { Purpose: LoginPurpose.Login } && !pending.IsPasswordLogin() && await totp.HasActiveAsync(pending.UserId, HttpContext.RequestAborted)
            ? await AlreadySetUpAsync(pending, restore: false)
            : null;

    private async Task<IActionResult> AlreadySetUpAsync(PendingLogin pending, bool restore)
    {
        if (pending.Purpose == LoginPurpose.Login)
        {
            if (restore)
            {
                await pending.RestoreAsync(HttpContext);
            }

            return Redirect("/account/code?notice=" + CodeModel.AlreadySetUpNotice);
        }

        // Setting up a new one (its own purpose): nothing is left to do; the person logs in as usual.
        await PendingLogin.ClearAsync(HttpContext);
        return Redirect("/?notice=" + StartNotice.AuthenticatorSetUp);
    }

    /// <summary>
    /// No live pending login: spent by another tab that finished the login with the same cookie,
    /// expired, or never there. Someone logged in meanwhile is told the authenticator is set up.
    /// </summary>
    private async Task<IActionResult> NoPendingLoginAsync() =>
        await LoggedInWithAuthenticatorAsync() ? Redirect("/?notice=" + StartNotice.AuthenticatorSetUp) : Redirect("/account/new-code");

    private async Task<bool> LoggedInWithAuthenticatorAsync() =>
        SessionFacts.From(User) is { } facts && await totp.HasActiveAsync(facts.UserId, HttpContext.RequestAborted);

    /// <summary>The pending login (already read from its cookie) if it may set up an authenticator here.</summary>
    private async Task<PendingLogin?> AllowedAsync(PendingLogin? pending) =>
        pending switch
        {
            { Purpose: LoginPurpose.Enroll } => pending,
            // A password alone never leads to an enrollment: only ID-porten or an enrollment code does.
            { Purpose: LoginPurpose.Login } when !pending.IsPasswordLogin() && !await totp.HasActiveAsync(pending.UserId, HttpContext.RequestAborted) => pending,
            _ => null,
        };

    private async Task ShowAsync(PendingLogin pending, PendingEnrollment enrollment)
    {
        var user = await db.Users.FindAsync([pending.UserId], HttpContext.RequestAborted);
        var settings = options.Value;
        // The label tells the person which account this is, without personal data in the phone's list.
        Account = user?.UserName ?? pending.UserId;
        FactorId = enrollment.FactorId;
        ExpiresAt = enrollment.ExpiresAt;
        GroupedSecret = TotpCode.Grouped(enrollment.Secret);
        QrCode = qr.PngDataUri(TotpCode.OtpAuthUri(enrollment.Secret, settings.Issuer, Account, settings.Digits, settings.PeriodSeconds));
        Replacing = await totp.HasActiveAsync(pending.UserId, HttpContext.RequestAborted);
        // No Cache-Control of our own: the form's antiforgery token already makes the page
        // "no-cache, no-store", so the secret on it is never cached.
    }
}
