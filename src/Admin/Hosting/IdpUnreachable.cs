using System.Net.Sockets;

namespace Educloud.Idp.Admin.Hosting;

/// <summary>
/// The IdP cannot be reached from the console (connection refused, no route, name not found, TLS
/// failure, timeout): when the OIDC handler fetches the IdP's metadata for a sign-in, exchanges a
/// code, or when <see cref="Api.AdminApiClient"/> calls the admin API. Like <see cref="SignInFailure"/>,
/// it is a setting or an outage to look into, not something the person did: the exception handler
/// answers 503 with a page that says which setting to check (Pages/Errors/Error), never the
/// exception; the reason goes to the log once (event 9102), without the framework's stack trace.
/// </summary>
internal static partial class IdpUnreachable
{
    /// <summary>
    /// Whether the failure is the IdP not answering: somewhere in its chain an HttpRequestException
    /// (refused, DNS, TLS), a socket error, or HttpClient's timeout (a TaskCanceledException whose
    /// inner exception is a TimeoutException; a request the browser gave up is not one). The OIDC
    /// handler wraps these (IDX20803 "Unable to obtain configuration", remote failure).
    /// </summary>
    public static bool Explains(Exception? failure) => Cause(failure) is not null;

    public static void Log(ILogger logger, string authority, Exception failure)
    {
        var cause = Cause(failure) ?? failure;
        LogUnreachable(logger, authority, cause.GetType().Name, cause.Message);
    }

    /// <summary>The first of the chain that says why: the timeout, or the refused or failed connection.</summary>
    private static Exception? Cause(Exception? failure)
    {
        for (var e = failure; e is not null; e = e.InnerException)
        {
            if (e is HttpRequestException or SocketException or TimeoutException)
            {
                return e;
            }
        }

        return null;
    }

    [LoggerMessage(EventId = 9102, Level = LogLevel.Error,
        Message = "The IdP at {Authority} cannot be reached ({FailureType}: {FailureMessage}). Check Idp:Authority, that the IdP runs and that this host can reach it (DNS, firewall, proxy, TLS certificate).")]
    private static partial void LogUnreachable(ILogger logger, string authority, string failureType, string failureMessage);
}
