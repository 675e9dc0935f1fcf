using Educloud.Idp.Federation;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.Extensions.Options;

namespace Educloud.Idp.Sessions;

/// <summary>
/// Logout after a timeout (Digdir's verification test 8, "SLO etter timeout"): a person who comes
/// back after the IdP session timed out is logged out of ID-porten too before anything else, so no
/// ID-porten session that began with a login here outlives the session it made here, and the next
/// login asks at ID-porten again instead of passing through its single sign-on.
/// </summary>
/// <remarks>
/// No one can be told at the moment a session times out: the IdP has no browser then, and
/// RP-initiated logout at ID-porten needs one (OpenID Connect RP-Initiated Logout 1.0, section 2).
/// So the session's row keeps ID-porten's id_token until the row ends (a timed-out row is open until
/// its absolute end), and the person's browser still sends the expired cookie, which names the row.
/// The first page they open (the start page, or the login page that every new login passes)
/// sends them through ID-porten's end_session_endpoint with that id_token as id_token_hint and back
/// to the page they asked for (<see cref="SessionService.EndCurrentReturningUpstreamIdTokenAsync"/>
/// ends the row and deletes the cookie first, so it happens once). Protocol requests (/connect/authorize, also with
/// prompt=none, which must never show a page) are left alone: they lead to the login page anyway.
/// </remarks>
public static class TimedOutSession
{
    /// <summary>
    /// What the session cookie says, whether or not its ticket has expired (an expired ticket is
    /// not a login: this is only for ending what it names). Null without a readable cookie.
    /// </summary>
    public static SessionFacts? Facts(HttpContext http)
    {
        var options = http.RequestServices.GetRequiredService<IOptionsMonitor<CookieAuthenticationOptions>>().Get(SessionDefaults.Scheme);
        var cookie = options.CookieManager.GetRequestCookie(http, SessionDefaults.CookieName);
        // Unprotect answers null for anything it cannot read (another key ring, a forged value).
        return string.IsNullOrEmpty(cookie) || options.TicketDataFormat.Unprotect(cookie) is not { } ticket
            ? null
            : SessionFacts.From(ticket.Principal);
    }

    /// <summary>Sends a person back after a timed-out session through ID-porten's logout first (see the class).</summary>
    public static IApplicationBuilder UseIdpTimedOutSessions(this IApplicationBuilder app) => app.Use(async (http, next) =>
    {
        if (IsPageAfterTimeout(http)
            && await http.RequestServices.GetRequiredService<SessionService>().EndCurrentReturningUpstreamIdTokenAsync(http, LogoutWay.Timeout) is { } idToken)
        {
            await http.SignOutAsync(
                OpenIddict.Client.AspNetCore.OpenIddictClientAspNetCoreDefaults.AuthenticationScheme,
                UpstreamLogout.Properties(idToken, http.Request.PathBase + http.Request.Path + http.Request.QueryString));
            return;
        }

        await next(http);
    });

    /// <summary>A page view (start or login page) with a session cookie but no live session behind it.</summary>
    private static bool IsPageAfterTimeout(HttpContext http) =>
        HttpMethods.IsGet(http.Request.Method)
        && (http.Request.Path == AccountPaths.Start || http.Request.Path.Equals(AccountPaths.Login, StringComparison.OrdinalIgnoreCase))
        && SessionFacts.From(http.User) is null
        && http.Request.Cookies.ContainsKey(SessionDefaults.CookieName);
}
