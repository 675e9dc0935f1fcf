using Educloud.Idp.Admin.Hosting;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Options;

namespace Educloud.Idp.Admin.Pages.Errors;

/// <summary>
/// Where a failed sign-in lands (<see cref="SignInFailure"/>): 502, since the upstream (the IdP)
/// refused us, with the settings to fix. Shows only what the person's own configuration already
/// says (client id, authority, this console's redirect URI), never the exception.
/// </summary>
[AllowAnonymous]
[IgnoreAntiforgeryToken]
public sealed class SignInFailedModel(IOptions<ConsoleOptions> settings, IOptionsMonitor<OpenIdConnectOptions> oidc) : PageModel
{
    public string? Error { get; private set; }

    public string ClientId { get; private set; } = "";

    public string Authority { get; private set; } = "";

    public string RedirectUri { get; private set; } = "";

    public void OnGet(string? error)
    {
        Response.StatusCode = StatusCodes.Status502BadGateway;
        Error = SignInFailure.OAuthErrorCode(error);
        ClientId = settings.Value.ClientId;
        Authority = settings.Value.Authority;
        // The handler sends {this request's origin}{CallbackPath} as redirect_uri (OIDC handler's BuildRedirectUri).
        RedirectUri = $"{Request.Scheme}://{Request.Host}{Request.PathBase}{oidc.Get(OpenIdConnectDefaults.AuthenticationScheme).CallbackPath}";
    }
}
