using Educloud.Idp.Federation;
using Educloud.Idp.LocalAccounts;
using Educloud.Idp.Sessions;
using Educloud.Idp.Settings;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;
using OpenIddict.Client.AspNetCore;

namespace Educloud.Idp.Pages.Account.Login;

[AllowAnonymous]
[EnableRateLimiting(LocalAccountExtensions.PasswordSubmissionPolicy)]
public sealed class LoginModel(IOptions<IdPortenOptions> idporten) : PageModel
{
    public string ReturnUrl { get; private set; } = "/";

    /// <summary>The app asked for a new login (prompt=login or max_age): ID-porten must not reuse its session either.</summary>
    public bool Fresh { get; private set; }

    public bool PasswordFailed { get; private set; }

    /// <summary>The research app of the login, as /connect/authorize vouched for it (<see cref="LoginApp"/>): opaque, passed on as it came.</summary>
    [BindProperty(Name = LoginApp.Parameter, SupportsGet = true)]
    public string? App { get; set; }

    public IActionResult OnGet(string? returnUrl, bool fresh = false)
    {
        // Someone logged in (the back button after the code) goes on, and is never offered a login again.
        if (LoginFlow.LoginPageRedirect(HttpContext, returnUrl, fresh) is { } onward)
        {
            return Redirect(onward);
        }

        ReturnUrl = LocalUrl.OrRoot(returnUrl, Request.PathBase);
        Fresh = fresh;
        return Page();
    }

    public IActionResult OnPost(string? returnUrl, bool fresh = false)
    {
        var checkedReturnUrl = LocalUrl.OrRoot(returnUrl, Request.PathBase);
        // The app's acr_values and ui_locales go on to ID-porten (a higher level, its language).
        var app = AppLoginRequest.From(checkedReturnUrl, Request.PathBase, idporten.Value.AcrValues);
        return Challenge(FederationEndpoints.ChallengeProperties(checkedReturnUrl, fresh, idporten.Value, AppClientId(checkedReturnUrl), app),
            OpenIddictClientAspNetCoreDefaults.AuthenticationScheme);
    }

    /// <summary>The app's client id if the token came from /connect/authorize for this very way back; else none.</summary>
    private string? AppClientId(string checkedReturnUrl) =>
        HttpContext.RequestServices.GetRequiredService<LoginApp>().ClientIdFor(App, checkedReturnUrl);

    /// <summary>How long this address must wait before trying this username again (HTTP 429).</summary>
    public TimeSpan? Wait { get; private set; }

    /// <summary>
    /// People without ID-porten: a correct password (<see cref="PasswordLogin"/>) is only the first
    /// factor. It leads to the code page (never to a session, never to an enrollment).
    /// </summary>
    public async Task<IActionResult> OnPostPasswordAsync(
        string? returnUrl, string? username, string? password, [FromServices] PasswordLogin passwords, [FromServices] LoginFlow flow)
    {
        ReturnUrl = LocalUrl.OrRoot(returnUrl, Request.PathBase);
        var (user, wait) = await passwords.CheckAsync(HttpContext, username, password);
        if (wait is not null)
        {
            return Throttled(wait.Value);
        }

        if (user is null)
        {
            return Failed();
        }

        if (await flow.FirstFactorDoneAsync(HttpContext, user, FirstFactor.Password, LoginPurpose.Login, ReturnUrl, AppClientId(ReturnUrl)) is not { } next)
        {
            passwords.NoAuthenticator();
            return Failed();
        }

        return Redirect(next);
    }

    private PageResult Throttled(TimeSpan wait)
    {
        Wait = wait;
        Response.StatusCode = StatusCodes.Status429TooManyRequests;
        Response.Headers.RetryAfter = ((int)Math.Ceiling(wait.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
        return Page();
    }

    private PageResult Failed()
    {
        PasswordFailed = true;
        Response.StatusCode = StatusCodes.Status400BadRequest;
        return Page();
    }
}
