using Educloud.Idp.Sessions;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Educloud.Idp.Pages;

[AllowAnonymous]
public sealed class IndexModel : PageModel
{
    public bool LoggedIn { get; private set; }

    public DateTimeOffset? AuthenticatedAt { get; private set; }

    public string? Acr { get; private set; }

    public void OnGet()
    {
        if (SessionFacts.From(User) is { } facts)
        {
            LoggedIn = true;
            AuthenticatedAt = facts.AuthenticatedAt;
            Acr = facts.Acr;
        }
    }
}
