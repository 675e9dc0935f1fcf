using Educloud.ResearchApp.Api;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Educloud.ResearchApp.Pages;

/// <summary>Calls the app's API with the logged-in person's access token and shows what the API saw.</summary>
[Authorize]
public sealed class CallApiModel(IHttpClientFactory clients) : PageModel
{
    public int Status { get; private set; }

    public string Body { get; private set; } = "";

    public async Task OnGetAsync()
    {
        // Refreshed already if it was about to expire (Login/SessionValidation ran for this request).
        var accessToken = await HttpContext.GetTokenAsync("access_token") ?? "";
        (Status, Body) = await clients.CallWhoAmIAsync(accessToken, HttpContext.RequestAborted);
    }
}
