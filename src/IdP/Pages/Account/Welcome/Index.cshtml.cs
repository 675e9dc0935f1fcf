using Educloud.Idp.Data;
using Educloud.Idp.Hosting;
using Educloud.Idp.Mail;
using Educloud.Idp.Profile;
using Educloud.Idp.Sessions;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Educloud.Idp.Pages.Account.Welcome;

/// <summary>
/// "What should support call you?": once, at the first login of someone support knows by no name
/// (<see cref="LoginFlow"/> sends them here), skippable. ID-porten gives us no name.
/// </summary>
public sealed class WelcomeModel(IdpDbContext db, ProfileService profile, MailSender mail, TimeProvider time) : PageModel
{
    /// <summary>
    /// An address given here needs no new code: the person typed one moments ago. Later, or to change
    /// a confirmed address, the profile page asks for one (a change of the address notices go to).
    /// </summary>
    public static readonly TimeSpan FreshLogin = TimeSpan.FromMinutes(10);

    /// <summary>Where the login goes on to (checked: a local path).</summary>
    public string Next { get; private set; } = "/";

    public string? DisplayName { get; private set; }

    public string? Email { get; private set; }

    public bool MayGiveEmail { get; private set; }

    public bool InvalidName { get; private set; }

    public bool InvalidEmail { get; private set; }

    public async Task<IActionResult> OnGetAsync(string? returnUrl)
    {
        if (await LoadAsync(returnUrl) is not { } user)
        {
            return Redirect(AccountPaths.Login);
        }

        DisplayName = user.DisplayName;
        return Page();
    }

    public async Task<IActionResult> OnPostAsync(string? returnUrl, string? displayName, string? email)
    {
        if (await LoadAsync(returnUrl) is not { } user)
        {
            return Redirect(AccountPaths.Login);
        }

        InvalidName = !ProfileInput.TryName(displayName, out var name);
        InvalidEmail = !ProfileInput.TryEmail(email, out var address) || (address is not null && !MayGiveEmail);
        if (InvalidName || InvalidEmail)
        {
            (DisplayName, Email) = (displayName, email);
            Response.StatusCode = StatusCodes.Status400BadRequest;
            return Page();
        }

        await profile.SetNameAsync(user, name, HttpContext.RequestAborted);
        if (address is not null)
        {
            await profile.RequestEmailAsync(user, address, FixedIssuer.Url(HttpContext, AccountPaths.ConfirmEmail), new(HttpContext.Connection.RemoteIpAddress), HttpContext.RequestAborted);
        }

        return LocalUrl.RedirectResult(HttpContext, Next);
    }

    private async Task<IdpUser?> LoadAsync(string? returnUrl)
    {
        Next = LocalUrl.OrRoot(returnUrl);
        if (SessionFacts.From(User) is not { } facts || await db.Users.FindAsync([facts.UserId], HttpContext.RequestAborted) is not { } user)
        {
            return null;
        }

        MayGiveEmail = mail.Enabled && !user.EmailConfirmed && facts.AuthenticatedAt > time.GetUtcNow() - FreshLogin;
        return user;
    }
}
