using Educloud.Idp.Sessions;
using Educloud.Idp.Totp;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;

namespace Educloud.Idp.Pages.Account.Code;

/// <summary>The second factor of every login: a code from the person's authenticator app (the steps: <see cref="LoginFlow"/>).</summary>
[AllowAnonymous]
[EnableRateLimiting(TotpExtensions.CodeSubmissionPolicy)]
public sealed class CodeModel(LoginFlow flow, IOptions<TotpOptions> options) : PageModel
{
    public TotpOptions Totp => options.Value;

    public bool Failed { get; private set; }

    /// <summary>The refused code held letters or other non-digits (<see cref="CodeInput"/>): the page says to type only the digits.</summary>
    public bool CodeMalformed { get; private set; }

    /// <summary>Codes are refused for now; shown because this person has proven the first factor (as the password form does).</summary>
    public TotpLockout? Lockout { get; private set; }

    public bool AlreadySetUp { get; private set; }

    /// <summary>What was done to the authenticator since the last login (revoked, replaced).</summary>
    public IReadOnlyList<Educloud.Idp.Profile.ChangeNotice> ChangeNotices { get; private set; } = [];

    /// <summary>A lockout's end in the page's language and Oslo time, rounded up to the minute so that "after" is true.</summary>
    public static string Shown(DateTimeOffset until) =>
        Educloud.Shared.Localization.LocalTime.DateAndTime(
            new DateTimeOffset((until.UtcTicks + TimeSpan.TicksPerMinute - 1) / TimeSpan.TicksPerMinute * TimeSpan.TicksPerMinute, TimeSpan.Zero));

    public async Task<IActionResult> OnGetAsync(string? notice)
    {
        switch (await flow.CodePageAsync(HttpContext))
        {
            case LoginStep.ShowCodePage page:
                AlreadySetUp = notice == CodePageNotice.AlreadySetUp;
                ChangeNotices = page.ChangeNotices;
                return Page();
            case LoginStep.Redirect redirect:
                return Redirect(redirect.Location);
            default:
                throw new InvalidOperationException("The code page step ended in neither the page nor a redirect.");
        }
    }

    public async Task<IActionResult> OnPostAsync(string? code, string? notices)
    {
        switch (await flow.SubmitCodeAsync(HttpContext, code, noticesShown: notices == "shown"))
        {
            case LoginStep.CodeRefused refused:
                Lockout = refused.Lockout;
                Failed = Lockout is null;
                CodeMalformed = CodeInput.HasNonDigits(code);
                Response.StatusCode = StatusCodes.Status400BadRequest;
                ChangeNotices = await flow.ChangeNoticesAsync(HttpContext);
                return Page();
            case LoginStep.Redirect redirect:
                return Redirect(redirect.Location);
            default:
                throw new InvalidOperationException("The code step ended in neither a redirect nor a refusal.");
        }
    }
}
