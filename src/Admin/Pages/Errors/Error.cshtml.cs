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
/// Every failure, as a page that says what went wrong: the API's own problem title when it has one;
/// when the IdP cannot be reached (<see cref="IdpUnreachable"/>), what the operator should check.
/// </summary>
[AllowAnonymous]
[IgnoreAntiforgeryToken]
public sealed class ErrorModel(IOptions<ConsoleOptions> settings, ILogger<ErrorModel> logger) : PageModel
{
    public string Title { get; private set; } = "Something went wrong.";

    public string? Detail { get; private set; }

    public string? TraceId { get; private set; }

    /// <summary>The IdP did not answer: the page names the setting to check (<see cref="Authority"/>).</summary>
    public bool IdpUnreachable { get; private set; }

    public string Authority => settings.Value.Authority;

    public void OnGet(int? status) => Describe(status);

    public void OnPost(int? status) => Describe(status);

    private void Describe(int? status)
    {
        var failure = HttpContext.Features.Get<IExceptionHandlerFeature>()?.Error;
        if (failure is AdminApiException api)
        {
            Title = api.Title;
            Detail = api.Detail;
            Response.StatusCode = api.Status;
        }
        else if (Hosting.IdpUnreachable.Explains(failure))
        {
            IdpUnreachable = true;
            Title = Hosting.IdpUnreachable.Title;
            Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            Hosting.IdpUnreachable.Log(logger, Authority, failure!);
        }
        else if (failure is not null)
        {
            TraceId = Activity.Current?.Id ?? HttpContext.TraceIdentifier;
        }
        else if (status is { } code)
        {
            Response.StatusCode = code;
            Title = code switch
            {
                404 => "There is no such page.",
                400 => "The request was not understood.",
                403 => "You may not do this.",
                405 => "That is not done this way.",
                _ => $"Something went wrong ({code}).",
            };
        }
    }
}
