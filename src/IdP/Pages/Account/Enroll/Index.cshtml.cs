using Educloud.Idp.Data;
using Educloud.Idp.LocalAccounts;
using Educloud.Idp.Sessions;
using Educloud.Idp.Totp;
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
public sealed class EnrollModel(TotpService totp, SessionService sessions, QrCodes qr, IdpDbContext db, IOptions<TotpOptions> options) : PageModel
{
    public Guid FactorId { get; private set; }

    public string QrCode { get; private set; } = "";

    public string GroupedSecret { get; private set; } = "";

    public string Account { get; private set; } = "";

    public string Issuer => options.Value.Issuer;

    public DateTimeOffset ExpiresAt { get; private set; }

    public bool Replacing { get; private set; }

    public bool Failed { get; private set; }

    public async Task<IActionResult> OnGetAsync()
    {
        var pending = await AllowedAsync();
        if (pending is null || !await pending.IsLiveAsync(HttpContext))
        {
            return Redirect("/account/new-code");
        }

        var enrollment = await totp.BeginEnrollmentAsync(pending.UserId, HttpContext.RequestAborted);
        await ShowAsync(pending, enrollment);
        return Page();
    }

    public async Task<IActionResult> OnPostAsync(Guid factorId, string? code)
    {
        // Spent before the authenticator is confirmed: a copy of the cookie confirms nothing else.
        var pending = await AllowedAsync();
        if (pending is null || !await pending.TrySpendAsync(HttpContext))
        {
            return Redirect("/account/new-code");
        }

        var result = await totp.ConfirmEnrollmentAsync(pending.UserId, factorId, code ?? "", HttpContext, pending.ClientId);
        if (result == TotpResult.Accepted)
        {
            return await Code.LoginFinish.CompleteAsync(HttpContext, sessions, pending);
        }

        await pending.RestoreAsync(HttpContext);

        var enrollment = await totp.FindPendingAsync(pending.UserId, factorId, HttpContext.RequestAborted)
            ?? await totp.BeginEnrollmentAsync(pending.UserId, HttpContext.RequestAborted);
        await ShowAsync(pending, enrollment);
        Failed = true;
        Response.StatusCode = StatusCodes.Status400BadRequest;
        return Page();
    }

    private async Task<PendingLogin?> AllowedAsync()
    {
        var pending = await PendingLogin.ReadAsync(HttpContext);
        return pending switch
        {
            { Purpose: LoginPurpose.Enroll } => pending,
            // A password alone never leads to an enrollment: only ID-porten or an enrollment code does.
            { Purpose: LoginPurpose.Login } when !pending.IsPasswordLogin() && !await totp.HasActiveAsync(pending.UserId, HttpContext.RequestAborted) => pending,
            _ => null,
        };
    }

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
