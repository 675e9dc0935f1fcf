using Educloud.Idp.Data;
using Educloud.Idp.Hosting;
using Educloud.Idp.Mail;
using Educloud.Idp.Profile;
using Educloud.Idp.Sessions;
using Educloud.Idp.Totp;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.RateLimiting;

namespace Educloud.Idp.Pages.Account.Profile;

/// <summary>
/// The person's name and email address. The name is theirs to change at any time; the address is
/// where notices of authenticator changes go, so changing or removing it asks for a fresh one-time
/// code (ASVS 5 6.3.7 / 3.7.1-style re-authentication before a security-relevant change), checked by
/// the code page's own check (<see cref="TotpService.VerifyAsync"/>: counted, locked out the same way).
/// </summary>
[EnableRateLimiting(TotpExtensions.CodeSubmissionPolicy)]
public sealed class ProfileModel(IdpDbContext db, ProfileService profile, TotpService totp, MailSender mail) : PageModel
{
    public string? DisplayName { get; private set; }

    /// <summary>The address in use: confirmed by its link.</summary>
    public string? ConfirmedEmail { get; private set; }

    /// <summary>An address support typed for a local user, never confirmed (not used for mail).</summary>
    public string? UnconfirmedEmail { get; private set; }

    /// <summary>The address whose link was sent and not opened yet.</summary>
    public string? PendingEmail { get; private set; }

    public bool MailEnabled => mail.Enabled;

    /// <summary>What the last post did (one of "name-saved", "email-sent", "email-removed"), or why it was refused.</summary>
    public string? Outcome { get; private set; }

    public TotpLockout? Lockout { get; private set; }

    public string? EmailTyped { get; private set; }

    public async Task<IActionResult> OnGetAsync() =>
        await LoadAsync() is null ? Redirect(AccountPaths.Login) : Page();

    public async Task<IActionResult> OnPostNameAsync(string? displayName)
    {
        if (await LoadAsync() is not { } user)
        {
            return Redirect(AccountPaths.Login);
        }

        if (!ProfileInput.TryName(displayName, out var name))
        {
            return Refused("invalid-name");
        }

        await profile.SetNameAsync(user, name, HttpContext.RequestAborted);
        DisplayName = name;
        Outcome = "name-saved";
        return Page();
    }

    public async Task<IActionResult> OnPostEmailAsync(string? email, string? code)
    {
        if (await LoadAsync() is not { } user)
        {
            return Redirect(AccountPaths.Login);
        }

        EmailTyped = email;
        if (!ProfileInput.TryEmail(email, out var address) || (address is not null && !mail.Enabled))
        {
            return Refused("invalid-email");
        }

        if (address is not null && string.Equals(address, ConfirmedEmail, StringComparison.OrdinalIgnoreCase))
        {
            Outcome = "email-unchanged";
            return Page();
        }

        // Checked last, after the input: a code is spent only on a change that will be made.
        var checkedCode = await totp.VerifyAsync(user.Id, code ?? "", HttpContext, clientId: null);
        if (checkedCode != TotpResult.Accepted)
        {
            Lockout = checkedCode == TotpResult.LockedOut ? await totp.LockoutAsync(user.Id, HttpContext.RequestAborted) : null;
            return Refused("wrong-code");
        }

        var source = new AuditSource(HttpContext.Connection.RemoteIpAddress);
        if (address is null)
        {
            await profile.RemoveEmailAsync(user, source, HttpContext.RequestAborted);
            Outcome = "email-removed";
        }
        else
        {
            await profile.RequestEmailAsync(user, address, FixedIssuer.Url(HttpContext, AccountPaths.ConfirmEmail), source, HttpContext.RequestAborted);
            Outcome = "email-sent";
        }

        EmailTyped = null;
        await LoadAsync();
        return Page();
    }

    private PageResult Refused(string outcome)
    {
        Outcome = outcome;
        Response.StatusCode = StatusCodes.Status400BadRequest;
        return Page();
    }

    private async Task<IdpUser?> LoadAsync()
    {
        if (SessionFacts.From(User) is not { } facts || await db.Users.FindAsync([facts.UserId], HttpContext.RequestAborted) is not { } user)
        {
            return null;
        }

        DisplayName = user.DisplayName;
        ConfirmedEmail = user.EmailConfirmed ? user.Email : null;
        UnconfirmedEmail = user.EmailConfirmed ? null : user.Email;
        PendingEmail = await profile.PendingEmailAsync(user.Id, HttpContext.RequestAborted);
        return user;
    }
}
