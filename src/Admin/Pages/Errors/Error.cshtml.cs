using System.Diagnostics;
using Educloud.Idp.Admin.Api;
using Educloud.Idp.Admin.Hosting;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Options;

namespace Educloud.Idp.Admin.Pages.Errors;

/// <summary>
/// Every failure, as a page that says what went wrong: the API's refusal (in words when the console
/// knows it, <see cref="Localization.ApiProblemWords"/>); when the IdP cannot be reached
/// (<see cref="IdpUnreachable"/>), what the operator should check. The model holds the state; the view the words.
/// </summary>
[AllowAnonymous]
[IgnoreAntiforgeryToken]
public sealed class ErrorModel(IOptions<ConsoleOptions> settings, ILogger<ErrorModel> logger) : PageModel
{
    /// <summary>The status code the page answers with.</summary>
    public int Status { get; private set; } = StatusCodes.Status500InternalServerError;

    /// <summary>The admin API's refusal that ended here, if that is what happened.</summary>
    public AdminApiException? Problem { get; private set; }

    public string? TraceId { get; private set; }

    /// <summary>The IdP did not answer: the page names the setting to check (<see cref="Authority"/>).</summary>
    public bool IdpUnreachable { get; private set; }

    public string Authority => settings.Value.Authority;

    public void OnGet(int? status) => Describe(status);

    public void OnPost(int? status) => Describe(status);

    private void Describe(int? status)
    {
        var failure = HttpContext.Features.Get<IExceptionHandlerFeature>()?.Error;
        // The status an exception handler or a re-execution set; the branches below say which.
        Status = failure is null && status is null ? Response.StatusCode : Status;
        if (failure is AdminApiException api)
        {
            Problem = api;
            Status = api.Status;
        }
        else if (Hosting.IdpUnreachable.Explains(failure))
        {
            IdpUnreachable = true;
            Status = StatusCodes.Status503ServiceUnavailable;
            Hosting.IdpUnreachable.Log(logger, Authority, failure!);
        }
        else if (failure is not null)
        {
            TraceId = Activity.Current?.Id ?? HttpContext.TraceIdentifier;
        }
        else if (status is { } code)
        {
            Status = code;
        }

        Response.StatusCode = Status;
    }
}
