using Educloud.Idp.Data;
using Microsoft.AspNetCore;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Educloud.Idp.Pages.Error;

/// <summary>
/// The one error page: protocol errors OpenIddict cannot send back to an app (an unknown client or
/// redirect URI must never be redirected to), failed logins (one generic message; the reason is
/// in the log) and unexpected errors (never a stack trace).
/// </summary>
[AllowAnonymous]
[IgnoreAntiforgeryToken]
[ResponseCache(NoStore = true, Location = ResponseCacheLocation.None)]
public sealed class ErrorModel : PageModel
{
    public string Heading { get; private set; } = "Something went wrong";

    public string Message { get; private set; } = "Please try again. If it keeps happening, contact Educloud Research support.";

    public string? Error { get; private set; }

    public string? Description { get; private set; }

    /// <summary>A failed login, which may have passed ID-porten: the page offers "Log out" there too (Digdir's test 6).</summary>
    public bool AfterIdPorten { get; private set; }

    public void OnGet(int? status, string? reason) => Describe(status, reason);

    public void OnPost(int? status, string? reason) => Describe(status, reason);

    private void Describe(int? status, string? reason)
    {
        if (DatabaseUnavailable.Is(HttpContext.Features.Get<IExceptionHandlerFeature>()?.Error))
        {
            // The database is down or restarting (issue 10): every replica says the same, and it
            // passes without anyone restarting the IdP. Not a 500: nothing is wrong with the request or the IdP.
            Heading = "Login is unavailable right now";
            Message = "Educloud Research login is temporarily unavailable. Please try again in a few minutes.";
            Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            Response.Headers.RetryAfter = "30";
            return;
        }

        if (HttpContext.GetOpenIddictServerResponse() is { Error: not null } response)
        {
            Heading = "The app sent an invalid login request";
            Message = "The app that sent you here made a request Educloud Research cannot accept. Contact the app's support.";
            Error = response.Error;
            Description = response.ErrorDescription;
            return;
        }

        if (reason == "login")
        {
            Heading = "Login failed";
            Message = "We could not log you in. Please try again.";
            AfterIdPorten = true;
        }
        else if (status == StatusCodes.Status503ServiceUnavailable)
        {
            // The one 503 of the pages: a login that could not start because ID-porten is unreachable (UpstreamStartFailure).
            Heading = "Login is unavailable right now";
            Message = "We cannot reach ID-porten at the moment. Please try again in a few minutes.";
        }
        else if (status == StatusCodes.Status404NotFound)
        {
            Heading = "Page not found";
            Message = "There is no page at this address.";
        }
        else if (status is >= 400 and < 500)
        {
            Heading = "The request could not be handled";
            Message = "The request was not valid. Please start again from the app you came from.";
        }

        if (status is >= 400 and < 600 && Response.StatusCode == StatusCodes.Status200OK)
        {
            Response.StatusCode = status.Value;
        }
    }
}
