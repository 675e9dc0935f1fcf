using Educloud.Idp.Data;
using Educloud.Idp.Sessions;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Educloud.Idp.Pages;

[AllowAnonymous]
public sealed class IndexModel(IdpDbContext db) : PageModel
{
    /// <summary>The username: what support and the grant-role command know the person by.</summary>
    public string? UserName { get; private set; }

    public bool LoggedIn { get; private set; }

    public DateTimeOffset? AuthenticatedAt { get; private set; }

    public string? Acr { get; private set; }

    public string? Notice { get; private set; }

    public async Task OnGetAsync(string? notice)
    {
        Notice = StartNotice.IsKnown(notice) ? notice : null;
        if (SessionFacts.From(User) is { } facts)
        {
            LoggedIn = true;
            AuthenticatedAt = facts.AuthenticatedAt;
            Acr = facts.Acr;
            UserName = (await db.Users.FindAsync([facts.UserId], HttpContext.RequestAborted))?.UserName;
        }
    }
}
