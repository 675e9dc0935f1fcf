using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Educloud.ResearchApp.Pages;

/// <summary>
/// Logs out here and at the IdP (RP-initiated logout: the IdP's end_session_endpoint with the
/// id_token as hint), which ends the IdP session and ID-porten's, then comes back to the start page.
/// A POST with an antiforgery token, so no other site can log the person out.
/// </summary>
public sealed class LogoutModel : PageModel
{
    public IActionResult OnPost() => SignOut(
        new AuthenticationProperties { RedirectUri = "/" },
        CookieAuthenticationDefaults.AuthenticationScheme,
        OpenIdConnectDefaults.AuthenticationScheme);
}
