using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.AspNetCore.Http.Extensions;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Filters;

namespace Educloud.Idp.Admin.Api;

/// <summary>
/// A 401 from the API means the access token is no longer good (expired, or revoked at the IdP):
/// the person logs in again and comes back to the page (a GET; after a POST, to the start page, so
/// nothing is done twice). Other failures go on to the error page (UseExceptionHandler).
/// </summary>
public sealed class AdminApiErrorFilter : IAsyncPageFilter
{
    public Task OnPageHandlerSelectionAsync(PageHandlerSelectedContext context) => Task.CompletedTask;

    public async Task OnPageHandlerExecutionAsync(PageHandlerExecutingContext context, PageHandlerExecutionDelegate next)
    {
        var executed = await next();
        if (executed.Exception is AdminApiException { Status: StatusCodes.Status401Unauthorized })
        {
            var request = context.HttpContext.Request;
            await context.HttpContext.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
            var returnTo = HttpMethods.IsGet(request.Method) ? UriHelper.BuildRelative(request.PathBase, request.Path, request.QueryString) : "/";
            executed.Result = new ChallengeResult(OpenIdConnectDefaults.AuthenticationScheme, new AuthenticationProperties { RedirectUri = returnTo });
            executed.ExceptionHandled = true;
        }
    }
}
