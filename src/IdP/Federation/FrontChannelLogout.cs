using Educloud.Idp.Settings;
using Microsoft.Extensions.Options;

namespace Educloud.Idp.Federation;

/// <summary>
/// ID-porten's front-channel logout (OpenID Connect Front-Channel Logout 1.0): when the person logs
/// out of ID-porten, from any service, ID-porten loads this endpoint in a hidden iframe with its
/// issuer and the ID-porten session id (sid). Third-party cookies cannot be relied on inside that
/// frame, so the IdP finds its sessions by the sid it kept at login and ends them server-side
/// (reference/idporten.md "Logout": mandatory for a client of ID-porten).
/// </summary>
public static partial class FrontChannelLogout
{
    public static async Task<IResult> HandleAsync(
        HttpContext http,
        Logout.SessionEndings endings,
        IOptions<IdPortenOptions> options,
        ILoggerFactory loggers)
    {
        var logger = loggers.CreateLogger(typeof(FrontChannelLogout));
        var iss = http.Request.Query["iss"];
        var sid = http.Request.Query["sid"];
        if (iss.Count != 1 || sid.Count != 1 || string.IsNullOrEmpty(sid[0]) || sid[0]!.Length > 200)
        {
            return Page(http, options.Value, StatusCodes.Status400BadRequest, "The logout request needs exactly one iss and one sid.");
        }

        // Canonical form: a trailing slash on either side is the same issuer (CanonicalIssuer).
        if (!CanonicalIssuer.Same(iss[0], options.Value.Issuer))
        {
            LogWrongIssuer(logger);
            return Page(http, options.Value, StatusCodes.Status400BadRequest, "The logout request names another issuer.");
        }

        var ended = await EndSessionsAsync(endings, sid[0]!, http.RequestAborted);
        LogEnded(logger, ended);
        return Page(http, options.Value, StatusCodes.Status200OK, "You are logged out of Educloud.");
    }

    /// <summary>
    /// ID-porten said its session <paramref name="upstreamSid"/> is over: every IdP session it made
    /// ends (on every replica at once), and the research apps of those sessions are told in turn
    /// (Logout/SessionEndings). The one way both front- and back-channel logout act.
    /// </summary>
    /// <returns>How many sessions were open.</returns>
    public static Task<int> EndSessionsAsync(Logout.SessionEndings endings, string upstreamSid, CancellationToken cancellationToken) =>
        endings.EndAsync(s => s.UpstreamSessionId == upstreamSid, cancellationToken);

    /// <summary>
    /// Whether <paramref name="iss"/> is ID-porten's issuer, compared in canonical form: scheme and
    /// host as URIs compare them (case-insensitive), and a trailing slash of the path ignored, so
    /// <c>https://idporten.no</c> and <c>https://idporten.no/</c> are one issuer whichever way the
    /// setting is written (ID-porten's metadata has had both forms). Nothing else is tolerated.
    /// </summary>
    private static IResult Page(HttpContext http, IdPortenOptions options, int status, string message)
    {
        // This page alone may be framed, and only by ID-porten's login pages; nothing is cached.
        var headers = http.Response.Headers;
        headers.ContentSecurityPolicy = "default-src 'none'; frame-ancestors " + string.Join(' ', options.EffectiveFrameAncestors());
        headers.CacheControl = "no-store";
        var html = $"<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Logout</title></head><body><p>{System.Net.WebUtility.HtmlEncode(message)}</p></body></html>";
        return Results.Content(html, "text/html; charset=utf-8", statusCode: status);
    }

    [LoggerMessage(EventId = 2006, Level = LogLevel.Information, Message = "ID-porten front-channel logout ended {Count} session(s)")]
    private static partial void LogEnded(ILogger logger, int count);

    [LoggerMessage(EventId = 2007, Level = LogLevel.Warning, Message = "ID-porten front-channel logout refused: another issuer")]
    private static partial void LogWrongIssuer(ILogger logger);
}
