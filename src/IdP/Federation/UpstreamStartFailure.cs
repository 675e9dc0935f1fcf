using Educloud.Idp.Hosting;
using Educloud.Idp.Sessions;
using Microsoft.AspNetCore;
using Microsoft.AspNetCore.Authentication;
using OpenIddict.Abstractions;
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
public sealed partial class UpstreamStartFailure(IdpMetrics metrics, ILogger<UpstreamStartFailure> logger)
    : IOpenIddictClientHandler<ProcessErrorContext>
{
    private const string Started = ".educloud_started";
    private const string Login = "login";
    private const string Logout = "logout";

    /// <summary>After OpenIddict's ASP.NET Core host has set the status code and cache headers of its error answer.</summary>
    public static OpenIddictClientHandlerDescriptor Descriptor { get; } = OpenIddictClientHandlerDescriptor.CreateBuilder<ProcessErrorContext>()
        .UseSingletonHandler<UpstreamStartFailure>()
        .SetOrder(OpenIddictClientAspNetCoreHandlers.AttachCacheControlHeader<ProcessErrorContext>.Descriptor.Order + 500)
        .SetType(OpenIddictClientHandlerType.Custom)
        .Build();

    public static void Register(OpenIddictClientBuilder options) => options
        .AddEventHandler(MarkLogin.Descriptor)
        .AddEventHandler(MarkLogout.Descriptor)
        .AddEventHandler(Descriptor);

    /// <summary>A login our pages started: marked right after OpenIddict accepted the challenge.</summary>
    public sealed class MarkLogin : IOpenIddictClientHandler<ProcessChallengeContext>
    {
        public static OpenIddictClientHandlerDescriptor Descriptor { get; } = OpenIddictClientHandlerDescriptor.CreateBuilder<ProcessChallengeContext>()
            .UseSingletonHandler<MarkLogin>()
            .SetOrder(OpenIddictClientHandlers.ValidateChallengeDemand.Descriptor.Order + 100)
            .SetType(OpenIddictClientHandlerType.Custom)
            .Build();

        public ValueTask HandleAsync(ProcessChallengeContext context) => Mark(context, Login);
    }

    /// <summary>A logout our pages started: marked right after OpenIddict accepted the sign-out.</summary>
    public sealed class MarkLogout : IOpenIddictClientHandler<ProcessSignOutContext>
    {
        public static OpenIddictClientHandlerDescriptor Descriptor { get; } = OpenIddictClientHandlerDescriptor.CreateBuilder<ProcessSignOutContext>()
            .UseSingletonHandler<MarkLogout>()
            .SetOrder(OpenIddictClientHandlers.ValidateSignOutDemand.Descriptor.Order + 100)
            .SetType(OpenIddictClientHandlerType.Custom)
            .Build();

        public ValueTask HandleAsync(ProcessSignOutContext context) => Mark(context, Logout);
    }

    private static ValueTask Mark(BaseContext context, string what)
    {
        context.Transaction.SetProperty(Started, what);
        return ValueTask.CompletedTask;
    }

    public ValueTask HandleAsync(ProcessErrorContext context)
    {
        var what = context.Transaction.GetProperty<string>(Started);
        if (what is null || context.EndpointType != OpenIddictClientEndpointType.Unknown
            || context.Transaction.GetHttpRequest()?.HttpContext is not { } http)
        {
            return ValueTask.CompletedTask;
        }

        var error = context.Error ?? "none";
        var reason = context.ErrorDescription ?? "";
        if (what == Login)
        {
            LogLoginNotStarted(logger, error, reason);
            if (error == OpenIddictConstants.Errors.InvalidRequest)
            {
                // Issue 11: ID-porten answered, and refused the login request as we made it (PAR,
                // RFC 9126 2.3; e.g. a redirect URI on a host it does not know): trying again in a
                // while would not help, so no 503 with Retry-After.
                metrics.UpstreamRefused("request");
                http.Response.StatusCode = StatusCodes.Status400BadRequest;
            }
            else
            {
                metrics.UpstreamRefused("unavailable");
                http.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
                http.Response.Headers.RetryAfter = "30";
            }
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
