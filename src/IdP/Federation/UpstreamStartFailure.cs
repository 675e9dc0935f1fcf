using Educloud.Idp.Hosting;
using Educloud.Idp.Sessions;
using Microsoft.AspNetCore;
using Microsoft.AspNetCore.Authentication;
using OpenIddict.Client;
using OpenIddict.Client.AspNetCore;
using static OpenIddict.Client.OpenIddictClientEvents;

namespace Educloud.Idp.Federation;

/// <summary>
/// When a login or logout at ID-porten cannot even start (typically: ID-porten's metadata cannot
/// be fetched), OpenIddict would answer 400 text/plain with its own error text. A login instead
/// gets the IdP's error page with 503 (the status code pages re-execute /error); a logout, whose
/// own part is already done, goes on to where it was headed without ID-porten's.
/// Only challenges and sign-outs that our pages start are concerned: errors at the redirection
/// and post-logout endpoints pass through to FederationEndpoints (error passthrough).
/// </summary>
public static partial class UpstreamStartFailure
{
    private const string Started = ".educloud_started";
    private const string Login = "login";
    private const string Logout = "logout";

    public static void Register(OpenIddictClientBuilder options)
    {
        options.AddEventHandler<ProcessChallengeContext>(handler => handler
            .UseInlineHandler(context => Mark(context, Login))
            .SetOrder(int.MinValue + 100_000)
            .SetType(OpenIddictClientHandlerType.Custom));
        options.AddEventHandler<ProcessSignOutContext>(handler => handler
            .UseInlineHandler(context => Mark(context, Logout))
            .SetOrder(int.MinValue + 100_000)
            .SetType(OpenIddictClientHandlerType.Custom));
        options.AddEventHandler<ProcessErrorContext>(handler => handler
            .UseInlineHandler(HandleAsync)
            .SetOrder(OpenIddictClientAspNetCoreHandlers.AttachCacheControlHeader<ProcessErrorContext>.Descriptor.Order + 500)
            .SetType(OpenIddictClientHandlerType.Custom));
    }

    private static ValueTask Mark(BaseContext context, string what)
    {
        context.Transaction.SetProperty(Started, what);
        return ValueTask.CompletedTask;
    }

    private static ValueTask HandleAsync(ProcessErrorContext context)
    {
        var what = context.Transaction.GetProperty<string>(Started);
        if (what is null || context.EndpointType != OpenIddictClientEndpointType.Unknown
            || context.Transaction.GetHttpRequest()?.HttpContext is not { } http)
        {
            return ValueTask.CompletedTask;
        }

        var logger = http.RequestServices.GetRequiredService<ILogger<IdPortenAvailability>>();
        var error = context.Error ?? "none";
        var reason = context.ErrorDescription ?? "";
        if (what == Login)
        {
            LogLoginNotStarted(logger, error, reason);
            http.RequestServices.GetRequiredService<IdpMetrics>().UpstreamRefused("unavailable");
            http.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            http.Response.Headers.RetryAfter = "30";
        }
        else
        {
            LogLogoutNotStarted(logger, error, reason);
            var properties = context.Transaction.GetProperty<AuthenticationProperties>(typeof(AuthenticationProperties).FullName!);
            http.Response.Redirect(LocalUrl.ToLocation(properties?.RedirectUri, http.Request.PathBase));
        }

        context.HandleRequest();
        return ValueTask.CompletedTask;
    }

    [LoggerMessage(EventId = 2012, Level = LogLevel.Warning, Message = "Login at ID-porten could not start: error {Error}, {Reason}")]
    private static partial void LogLoginNotStarted(ILogger logger, string error, string reason);

    [LoggerMessage(EventId = 2013, Level = LogLevel.Warning, Message = "Logout at ID-porten could not start (our session has ended): error {Error}, {Reason}")]
    private static partial void LogLogoutNotStarted(ILogger logger, string error, string reason);
}
