using Educloud.Idp.Federation;
using Educloud.Idp.Settings;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Options;
using OpenIddict.Client.AspNetCore;

namespace Educloud.Idp.Pages.Account.Login;

[AllowAnonymous]
public sealed class LoginModel(IOptions<IdPortenOptions> idporten) : PageModel
{
    public string ReturnUrl { get; private set; } = "/";

    /// <summary>The app asked for a new login (prompt=login or max_age): ID-porten must not reuse its session either.</summary>
    public bool Fresh { get; private set; }

    public void OnGet(string? returnUrl, bool fresh = false)
    {
        ReturnUrl = LocalUrl.OrRoot(returnUrl);
        Fresh = fresh;
    }

    public IActionResult OnPost(string? returnUrl, bool fresh = false) =>
        Challenge(FederationEndpoints.ChallengeProperties(LocalUrl.OrRoot(returnUrl), fresh, idporten.Value),
            OpenIddictClientAspNetCoreDefaults.AuthenticationScheme);
}
