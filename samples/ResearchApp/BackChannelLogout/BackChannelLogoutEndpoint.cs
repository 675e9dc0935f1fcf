namespace Educloud.ResearchApp.BackChannelLogout;

/// <summary>
/// POST /backchannel-logout: the IdP tells this app, server to server, that a person's IdP session
/// has ended (OpenID Connect Back-Channel Logout 1.0). The app's session made from it ends at the
/// person's next request (the cookie is refused), with no browser involved.
/// </summary>
public static partial class BackChannelLogoutEndpoint
{
    public const string Path = "/backchannel-logout";

    /// <summary>A logout token is a few hundred bytes.</summary>
    private const int MaxTokenLength = 16 * 1024;

    public static WebApplication MapBackChannelLogout(this WebApplication app)
    {
        // Reads the form itself: no antiforgery token (the IdP's request is not a browser's; the
        // signed logout token is what authenticates it). No login either.
        app.MapPost(Path, HandleAsync).AllowAnonymous().DisableAntiforgery();
        return app;
    }

    private static async Task<IResult> HandleAsync(HttpContext http, LogoutTokens logoutTokens, EndedSessions ended, ILoggerFactory loggers)
    {
        var logger = loggers.CreateLogger(typeof(BackChannelLogoutEndpoint));
        // Section 2.8: never cached.
        http.Response.Headers.CacheControl = "no-store";
        if (!http.Request.HasFormContentType)
        {
            return Refused(logger, "not a form post");
        }

        var values = (await http.Request.ReadFormAsync(http.RequestAborted))["logout_token"];
        if (values.Count != 1 || string.IsNullOrEmpty(values[0]) || values[0]!.Length > MaxTokenLength)
        {
            return Refused(logger, "no single logout_token");
        }

        Microsoft.IdentityModel.JsonWebTokens.JsonWebToken? token;
        string? problem;
        try
        {
            (token, problem) = await logoutTokens.ValidateAsync(values[0]!, http.RequestAborted);
        }
        catch (InvalidOperationException)
        {
            // The IdP's keys could not be fetched: nothing can be checked, nothing is ended. Not a
            // 400: a 5xx tells the IdP to deliver it again later.
            LogNoKeys(logger);
            return Results.StatusCode(StatusCodes.Status503ServiceUnavailable);
        }

        if (token is null)
        {
            return Refused(logger, problem!);
        }

        // With a sid, that one session (section 2.4: the sid names a session of the sub); without, all of the person's.
        if (LogoutTokens.Sid(token) is { Length: > 0 } sid)
        {
            ended.EndSession(sid);
        }
        else
        {
            ended.EndEverySessionOf(token.Subject);
        }

        LogEnded(logger);
        return Results.Ok();
    }

    private static IResult Refused(ILogger logger, string reason)
    {
        LogRefused(logger, reason);
        // Section 2.8: 400, with an OAuth 2.0 error; the reason stays in the log.
        return Results.Json(new Dictionary<string, string>
        {
            ["error"] = "invalid_request",
            ["error_description"] = "The logout token is not valid.",
        }, statusCode: StatusCodes.Status400BadRequest);
    }

    [LoggerMessage(EventId = 1201, Level = LogLevel.Information, Message = "Back-channel logout: a session ended at the IdP")]
    private static partial void LogEnded(ILogger logger);

    [LoggerMessage(EventId = 1202, Level = LogLevel.Warning, Message = "Back-channel logout refused: {Reason}")]
    private static partial void LogRefused(ILogger logger, string reason);

    [LoggerMessage(EventId = 1203, Level = LogLevel.Warning, Message = "Back-channel logout not checked: the IdP's keys could not be fetched")]
    private static partial void LogNoKeys(ILogger logger);
}
