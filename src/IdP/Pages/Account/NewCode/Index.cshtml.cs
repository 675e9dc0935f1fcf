using Educloud.Idp.Federation;
using Educloud.Idp.Sessions;
using Educloud.Idp.Settings;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Options;
using OpenIddict.Client.AspNetCore;

namespace Educloud.Idp.Pages.Account.NewCode;

/// <summary>"Need a new one-time code?": always a fresh ID-porten login (ASVS 5 7.5.1), then enrollment.</summary>
[AllowAnonymous]
public sealed class NewCodeModel(IOptions<IdPortenOptions> idporten) : PageModel
{
    public void OnGet()
    {
    }

    public IActionResult OnPost()
    {
        var properties = FederationEndpoints.ChallengeProperties(AccountPaths.Start, fresh: true, idporten.Value);
        properties.Items[FederationEndpoints.PurposeItem] = LoginPurpose.Enroll;
        return Challenge(properties, OpenIddictClientAspNetCoreDefaults.AuthenticationScheme);
    }
}
