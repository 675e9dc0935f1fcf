using System.Globalization;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Educloud.ResearchApp.Pages;

/// <summary>Who is logged in, and how: the claims of the IdP's id_token, kept in the app's cookie.</summary>
public sealed class IndexModel : PageModel
{
    public bool LoggedIn { get; private set; }

    public string? Subject { get; private set; }

    public string? Name { get; private set; }

    public string? Acr { get; private set; }

    public IReadOnlyList<string> Amr { get; private set; } = [];

    public DateTimeOffset? AuthTime { get; private set; }

    public string? SessionId { get; private set; }

    public DateTimeOffset? AccessTokenExpires { get; private set; }

    public bool HasRefreshToken { get; private set; }

    public async Task OnGetAsync()
    {
        LoggedIn = User.Identity?.IsAuthenticated == true;
        if (!LoggedIn)
        {
            return;
        }

        Subject = User.FindFirst("sub")?.Value;
        Name = User.FindFirst("name")?.Value;
        Acr = User.FindFirst("acr")?.Value;
        Amr = [.. User.FindAll("amr").Select(c => c.Value)];
        SessionId = User.FindFirst("sid")?.Value;
        if (long.TryParse(User.FindFirst("auth_time")?.Value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var authTime))
        {
            AuthTime = DateTimeOffset.FromUnixTimeSeconds(authTime);
        }

        if (DateTimeOffset.TryParse(await HttpContext.GetTokenAsync("expires_at"), CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var expires))
        {
            AccessTokenExpires = expires;
        }

        HasRefreshToken = await HttpContext.GetTokenAsync("refresh_token") is not null;
    }
}
