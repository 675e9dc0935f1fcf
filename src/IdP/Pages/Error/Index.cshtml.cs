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
    /// <summary>What happened, as far as the page may say; the view picks the words.</summary>
    public ErrorKind Kind { get; private set; } = ErrorKind.Unexpected;

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
            Kind = ErrorKind.Unavailable;
            Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            Response.Headers.RetryAfter = "30";
            return;
        }

        if (HttpContext.GetOpenIddictServerResponse() is { Error: not null } response)
        {
            Kind = ErrorKind.InvalidAppRequest;
            Error = response.Error;
            Description = response.ErrorDescription;
            return;
        }

        if (reason == "login")
        {
            Kind = ErrorKind.LoginFailed;
            AfterIdPorten = true;
        }
        else if (status == StatusCodes.Status503ServiceUnavailable)
        {
            // The one 503 of the pages: a login that could not start because ID-porten is unreachable (UpstreamStartFailure).
            Kind = ErrorKind.IdPortenUnavailable;
        }
        else if (status is >= 400 and < 500)
        {
            Kind = status switch
            {
                StatusCodes.Status403Forbidden => ErrorKind.Forbidden,
                StatusCodes.Status404NotFound => ErrorKind.NotFound,
                StatusCodes.Status429TooManyRequests => ErrorKind.TooManyRequests,
                _ => ErrorKind.BadRequest,
            };
        }

        if (status is >= 400 and < 600 && Response.StatusCode == StatusCodes.Status200OK)
        {
            Response.StatusCode = status.Value;
        }
    }
}

/// <summary>The cases the error page tells apart (each has its own words in the page's resource files).</summary>
public enum ErrorKind
{
    /// <summary>An unexpected error (500), or a status the page has no better words for.</summary>
    Unexpected,

    /// <summary>The IdP cannot serve logins right now (its database is unreachable: 503).</summary>
    Unavailable,

    /// <summary>A login could not start because ID-porten is unreachable (503).</summary>
    IdPortenUnavailable,

    /// <summary>A protocol error OpenIddict cannot send back to the app (an unknown client or redirect URI).</summary>
    InvalidAppRequest,

    /// <summary>A login failed after or at ID-porten (the reason is in the log).</summary>
    LoginFailed,

    BadRequest,
    Forbidden,
    NotFound,
    TooManyRequests,
}
