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
/// fresh ID-porten login ("Need a new one-time code?"), an enrollment code, or a login of someone
/// who has none yet. Never with a password alone, never "later" (the rules: <see cref="LoginFlow"/>).
/// </summary>
[AllowAnonymous]
[EnableRateLimiting(TotpExtensions.CodeSubmissionPolicy)]
[IgnoreAntiforgeryToken] // checked in OnPostAsync, which also explains a token from before another tab's login
public sealed class EnrollModel(LoginFlow flow, QrCodes qr, IOptions<TotpOptions> options, IAntiforgery antiforgery) : PageModel
{
    public Guid FactorId { get; private set; }

    public string QrCode { get; private set; } = "";

    public string GroupedSecret { get; private set; } = "";

    public string Account { get; private set; } = "";

    public TotpOptions Totp => options.Value;

    public DateTimeOffset ExpiresAt { get; private set; }

    public bool Replacing { get; private set; }

    public bool Failed { get; private set; }

    /// <summary>The code was right but for a QR code that has expired (or was replaced): a new one is shown.</summary>
    public bool Expired { get; private set; }

    /// <summary>The refused code held letters or other non-digits (<see cref="CodeInput"/>): the page says to type only the digits.</summary>
    public bool CodeMalformed { get; private set; }

    /// <summary>What was done to the authenticator since the last login (revoked by support, replaced).</summary>
    public IReadOnlyList<Educloud.Idp.Profile.ChangeNotice> ChangeNotices { get; private set; } = [];

    public async Task<IActionResult> OnGetAsync() => await ShowAsync(await flow.EnrollmentPageAsync(HttpContext));

    public async Task<IActionResult> OnPostAsync(Guid factorId, string? code, string? notices)
    {
        CodeMalformed = CodeInput.HasNonDigits(code);
        return await ShowAsync(await flow.ConfirmEnrollmentAsync(HttpContext, await antiforgery.IsRequestValidAsync(HttpContext), factorId, code, noticesShown: notices == "shown"));
    }

    private async Task<IActionResult> ShowAsync(LoginStep step)
    {
        switch (step)
        {
            case LoginStep.Redirect redirect:
                return Redirect(redirect.Location);
            case LoginStep.ShowEnrollment shown:
                var settings = options.Value;
                Account = shown.Account;
                FactorId = shown.Enrollment.FactorId;
                ExpiresAt = shown.Enrollment.ExpiresAt;
                GroupedSecret = TotpCode.Grouped(shown.Enrollment.Secret);
                QrCode = qr.PngDataUri(TotpCode.OtpAuthUri(shown.Enrollment.Secret, settings.Issuer, Account, settings.Digits, settings.PeriodSeconds));
                Replacing = shown.Replacing;
                ChangeNotices = await flow.ChangeNoticesAsync(HttpContext);
                if (shown.Refused is { } refused)
                {
                    Expired = refused is TotpResult.Expired or TotpResult.NoAuthenticator;
                    Failed = !Expired;
                    Response.StatusCode = StatusCodes.Status400BadRequest;
                }

                // No Cache-Control of our own: the form's antiforgery token already makes the page
                // "no-cache, no-store", so the secret on it is never cached.
                return Page();
            default:
                return BadRequest();
        }
    }
}
