using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Authentication;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;

namespace Educloud.Idp.Admin.Hosting;

/// <summary>
/// A sign-in refused by the IdP before the person leaves the console: the OIDC handler pushes the
/// authorization request (PAR, RFC 9126, used because the IdP offers it) and the IdP answers
/// <c>invalid_request</c> for a redirect URI it does not know, which the handler throws from the
/// challenge of every visit (<see cref="CatchChallengeFailureAsync"/>). Or
/// a sign-in that came back from the IdP as a failure (an OAuth error such as <c>invalid_request</c>
/// returned to /signin-oidc, a missing or foreign state, a lost correlation cookie, a refused code
/// exchange). The OIDC handler would throw it as an unhandled <c>OpenIdConnectProtocolException</c>
/// and the person saw a bare 500 on every visit (issue 9). Instead: the reason goes to the log, and
/// the person gets a page that names the settings to check (<see cref="Path"/>), never the exception.
/// </summary>
internal static partial class SignInFailure
{
    /// <summary>The console's page that explains a failed sign-in.</summary>
    public const string Path = "/sign-in-failed";

    /// <summary>OnRemoteFailure of the OIDC handler: a failure at /signin-oidc.</summary>
    public static Task HandleAsync(RemoteFailureContext context)
    {
        if (IdpUnreachable.Explains(context.Failure))
        {
            // Not a refusal: the IdP did not answer (the code exchange). Left to the exception handler's 503 page.
            return Task.CompletedTask;
        }

        ShowPage(context.HttpContext, context.Request.Query["error"].ToString(), context.Failure);
        context.HandleResponse();
        return Task.CompletedTask;
    }

    /// <summary>Middleware: the IdP refused the pushed authorization request while a challenge was being sent.</summary>
    public static async Task CatchChallengeFailureAsync(HttpContext context, RequestDelegate next)
    {
        try
        {
            await next(context);
        }
        catch (OpenIdConnectProtocolException failure) when (!context.Response.HasStarted)
        {
            context.Response.Clear();
            ShowPage(context, failure.Data["error"] as string, failure);
        }
    }

    private static void ShowPage(HttpContext context, string? errorParameter, Exception? failure)
    {
        var error = OAuthErrorCode(errorParameter);
        var logger = context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(SignInFailure).FullName!);
        LogSignInFailed(logger, error ?? "(none)", failure?.GetType().Name ?? "(none)", failure?.Message ?? "");

        // Only the OAuth error code (RFC 6749 4.1.2.1: a fixed ASCII token) travels to the page;
        // error_description and the exception's text stay in the log.
        context.Response.Redirect(error is null ? Path : $"{Path}?error={error}");
    }

    /// <summary>The error code when it looks like one (lower-case letters and underscores), else nothing.</summary>
    public static string? OAuthErrorCode(string? value) =>
        value is { Length: > 0 and <= 64 } && ErrorCodeShape().IsMatch(value) ? value : null;

    [GeneratedRegex("^[a-z_]+$", RegexOptions.CultureInvariant)]
    private static partial Regex ErrorCodeShape();

    [LoggerMessage(EventId = 9101, Level = LogLevel.Warning,
        Message = "Sign-in through the IdP failed (OAuth error {Error}, {FailureType}: {FailureMessage}). Check that the IdP's registration of this console lists its redirect URI, and Idp:Authority, Idp:ClientId, Idp:ClientSecret.")]
    private static partial void LogSignInFailed(ILogger logger, string error, string failureType, string failureMessage);
}
