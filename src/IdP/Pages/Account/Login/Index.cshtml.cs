using Educloud.Idp.Data;
using Educloud.Idp.Federation;
using Educloud.Idp.Hosting;
using Educloud.Idp.LocalAccounts;
using Educloud.Idp.Sessions;
using Educloud.Idp.Settings;
using Educloud.Idp.Totp;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;
using OpenIddict.Client.AspNetCore;

namespace Educloud.Idp.Pages.Account.Login;

[AllowAnonymous]
[EnableRateLimiting(LocalAccountExtensions.PasswordSubmissionPolicy)]
public sealed partial class LoginModel(IOptions<IdPortenOptions> idporten, ILogger<LoginModel> logger) : PageModel
{
    public string ReturnUrl { get; private set; } = "/";

    /// <summary>The app asked for a new login (prompt=login or max_age): ID-porten must not reuse its session either.</summary>
    public bool Fresh { get; private set; }

    public bool PasswordFailed { get; private set; }

    /// <summary>The research app of the login, as /connect/authorize vouched for it (<see cref="LoginApp"/>): opaque, passed on as it came.</summary>
    [BindProperty(Name = LoginApp.Parameter, SupportsGet = true)]
    public string? App { get; set; }

    public void OnGet(string? returnUrl, bool fresh = false)
    {
        ReturnUrl = LocalUrl.OrRoot(returnUrl, Request.PathBase);
        Fresh = fresh;
    }

    public IActionResult OnPost(string? returnUrl, bool fresh = false)
    {
        var checkedReturnUrl = LocalUrl.OrRoot(returnUrl, Request.PathBase);
        return Challenge(FederationEndpoints.ChallengeProperties(checkedReturnUrl, fresh, idporten.Value, AppClientId(checkedReturnUrl)),
            OpenIddictClientAspNetCoreDefaults.AuthenticationScheme);
    }

    /// <summary>The app's client id if the token came from /connect/authorize for this very way back; else none.</summary>
    private string? AppClientId(string checkedReturnUrl) =>
        HttpContext.RequestServices.GetRequiredService<LoginApp>().ClientIdFor(App, checkedReturnUrl);

    /// <summary>How long this address must wait before trying this username again (HTTP 429).</summary>
    public TimeSpan? Wait { get; private set; }

    /// <summary>
    /// People without ID-porten: a correct password is only the first factor. It leads to the code
    /// page (never to a session, never to an enrollment); one message for every failure. Wrong
    /// passwords slow down the address that sends them (PasswordThrottle), never lock the account.
    /// </summary>
    public async Task<IActionResult> OnPostPasswordAsync(
        string? returnUrl, string? username, string? password,
        [FromServices] PasswordCheck check, [FromServices] PasswordThrottle throttle, [FromServices] TotpService totp,
        [FromServices] AuditLog audit, [FromServices] TimeProvider time)
    {
        ReturnUrl = LocalUrl.OrRoot(returnUrl, Request.PathBase);
        if (string.IsNullOrWhiteSpace(username) || username.Length > 64 || string.IsNullOrEmpty(password) || password.Length > 256)
        {
            LogPasswordFailed(logger, "incomplete form");
            return Failed();
        }

        var name = username.Trim();
        var address = HttpContext.Connection.RemoteIpAddress;
        if (throttle.WaitFor(name, address) is { } wait)
        {
            LogPasswordFailed(logger, "too many wrong passwords from this address");
            return Throttled(wait);
        }

        // The same hashing work for every username (known, unknown, from ID-porten).
        var (user, localUserId) = await check.CheckAsync(name, password);
        if (user is null)
        {
            throttle.Failed(name, address);
            LogPasswordFailed(logger, localUserId is null ? "unknown user" : "wrong password");
            if (localUserId is not null)
            {
                await audit.WriteAsync(AuditEventTypes.PasswordFailed, localUserId, new(address), reason: "wrong password", cancellationToken: HttpContext.RequestAborted);
            }

            return Failed();
        }

        throttle.Succeeded(name, address);

        // Without an authenticator a password leads nowhere: support revokes and issues a new code.
        if (!await totp.HasActiveAsync(user.Id, HttpContext.RequestAborted))
        {
            LogPasswordFailed(logger, "no authenticator");
            return Failed();
        }

        await new PendingLogin(user.Id, LoginPurpose.Login, LocalAccountExtensions.PasswordLogin, ReturnUrl, AppClientId(ReturnUrl)).SignInAsync(HttpContext, time);
        return Redirect("/account/code");
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

    [LoggerMessage(EventId = 6101, Level = LogLevel.Information, Message = "Password login refused: {Why}")]
    private static partial void LogPasswordFailed(ILogger logger, string why);
}
