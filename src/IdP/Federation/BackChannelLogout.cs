using System.Collections.Concurrent;
using System.Text.Json;
using Educloud.Idp.Settings;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using OpenIddict.Client;

namespace Educloud.Idp.Federation;

/// <summary>
/// ID-porten's back-channel logout (OpenID Connect Back-Channel Logout 1.0): when the person logs
/// out of ID-porten, ID-porten POSTs a signed logout_token server to server, and every IdP session
/// made from that ID-porten session (its <c>sid</c>) ends, as front-channel logout does
/// (<see cref="FrontChannelLogout.EndSessionsAsync"/>, the one code path). It complements the
/// front-channel iframe, which browsers' third-party cookie and frame rules can stop
/// (docs.digdir.no, oidc_func_backchannel_logout: clients should support both). ID-porten tries
/// once, with a 5 s read timeout, and takes any 2xx as accepted.
/// </summary>
/// <remarks>
/// The token is checked as section 2.6 of the spec and Digdir's page ask: signature with a key of
/// ID-porten's JWKS (the OpenIddict client's metadata of the registration, refreshed once for an
/// unknown key), an asymmetric algorithm, <c>typ</c> logout+jwt (or the generic JWT) when present (section 2.4's
/// explicit typing, against cross-JWT confusion), <c>iss</c> ID-porten's (canonical form), <c>aud</c> our
/// client id, <c>events</c> with the back-channel logout event, a <c>sid</c> (ID-porten registers
/// every back-channel client with backchannel_logout_session_required; a <c>sub</c> alone names a
/// pairwise identifier we never keep, people are keyed on the pid), no <c>nonce</c> (section 2.4:
/// it tells a logout token from an id_token), <c>iat</c> within <see cref="MaxAge"/> (and <c>exp</c>
/// if present), and <c>jti</c> used once (<see cref="LogoutTokenIds"/>). Anything else: 400 with
/// an OAuth error (section 2.8), and nothing ended.
/// </remarks>
public static partial class BackChannelLogout
{
    public const string Event = "http://schemas.openid.net/event/backchannel-logout";

    /// <summary>How old a logout token may be (its iat). ID-porten sends at once and tries once.</summary>
    public static readonly TimeSpan MaxAge = TimeSpan.FromMinutes(5);

    /// <summary>The clock skew tolerated on iat and exp.</summary>
    public static readonly TimeSpan Skew = TimeSpan.FromMinutes(1);

    /// <summary>A logout token is a few hundred bytes; anything near this is not one.</summary>
    private const int MaxTokenLength = 16 * 1024;

    private static readonly string[] Algorithms =
    [
        SecurityAlgorithms.RsaSha256, SecurityAlgorithms.RsaSha384, SecurityAlgorithms.RsaSha512,
        SecurityAlgorithms.RsaSsaPssSha256, SecurityAlgorithms.RsaSsaPssSha384, SecurityAlgorithms.RsaSsaPssSha512,
        SecurityAlgorithms.EcdsaSha256, SecurityAlgorithms.EcdsaSha384, SecurityAlgorithms.EcdsaSha512,
    ];

    public static async Task<IResult> HandleAsync(
        HttpContext http,
        Logout.SessionEndings endings,
        IOptions<IdPortenOptions> options,
        IOptionsMonitor<OpenIddictClientOptions> client,
        LogoutTokenIds tokenIds,
        TimeProvider time,
        ILoggerFactory loggers)
    {
        var logger = loggers.CreateLogger(typeof(BackChannelLogout));
        // Section 2.8: the response is never cached, whatever it says.
        http.Response.Headers.CacheControl = "no-store";
        if (!http.Request.HasFormContentType)
        {
            return Refused(logger, "not a form post");
        }

        var form = await http.Request.ReadFormAsync(http.RequestAborted);
        var values = form["logout_token"];
        if (values.Count != 1 || string.IsNullOrEmpty(values[0]) || values[0]!.Length > MaxTokenLength)
        {
            return Refused(logger, "no single logout_token");
        }

        var registration = client.CurrentValue.Registrations.Single(r => r.ProviderName == FederationExtensions.ProviderName);
        JsonWebToken? token;
        try
        {
            token = await ValidateSignatureAsync(values[0]!, registration, options.Value, http.RequestAborted);
        }
        catch (InvalidOperationException)
        {
            // ID-porten's metadata (its keys) could not be fetched, and none is kept from before:
            // nothing can be checked, so nothing is ended; a 503 tells ID-porten it was not accepted.
            LogNoKeys(logger);
            return Results.StatusCode(StatusCodes.Status503ServiceUnavailable);
        }

        if (token is null)
        {
            return Refused(logger, "signature, issuer or audience");
        }

        if (Problem(token, time.GetUtcNow()) is { } problem)
        {
            return Refused(logger, problem);
        }

        var sid = token.GetPayloadValue<string>("sid");
        // Once per jti, remembered as long as the token could pass the iat check (and no longer).
        if (!tokenIds.TryUse(token.Id, token.IssuedAt + MaxAge + Skew))
        {
            return Refused(logger, "jti used before");
        }

        var ended = await FrontChannelLogout.EndSessionsAsync(endings, sid, http.RequestAborted);
        LogEnded(logger, ended);
        return Results.Ok();
    }

    /// <summary>Signature, algorithm, iss and aud; null when any fails.</summary>
    private static async Task<JsonWebToken?> ValidateSignatureAsync(string logoutToken, OpenIddictClientRegistration registration, IdPortenOptions options, CancellationToken cancellationToken)
    {
        var handler = new JsonWebTokenHandler();
        for (var attempt = 0; attempt < 2; attempt++)
        {
            var configuration = await registration.ConfigurationManager!.GetConfigurationAsync(cancellationToken);
            var result = await handler.ValidateTokenAsync(logoutToken, new TokenValidationParameters
            {
                IssuerSigningKeys = configuration.SigningKeys,
                ValidAlgorithms = Algorithms,
                ValidAudience = options.ClientId,
                IssuerValidator = (issuer, _, _) => CanonicalIssuer.Same(issuer, options.Issuer)
                    ? issuer
                    : throw new SecurityTokenInvalidIssuerException("Another issuer."),
                // No exp required (section 2.4 does not ask for one); iat and exp are checked in Problem, on our TimeProvider.
                ValidateLifetime = false,
                RequireExpirationTime = false,
                TryAllIssuerSigningKeys = false,
            });
            if (result.IsValid && result.SecurityToken is JsonWebToken token)
            {
                return token;
            }

            if (attempt == 0 && result.Exception is SecurityTokenSignatureKeyNotFoundException)
            {
                // ID-porten rolled its keys: fetch its metadata again, once (the client throttles refreshes).
                registration.ConfigurationManager.RequestRefresh();
                continue;
            }

            return null;
        }

        return null;
    }

    /// <summary>The claims section 2.6 asks of a logout token (beyond signature, iss and aud); null when they hold.</summary>
    private static string? Problem(JsonWebToken token, DateTimeOffset now)
    {
        // Explicitly typed (logout+jwt) as ID-porten sends it, or the generic JWT a library writes by
        // default; any other type is another kind of token. The events claim and the absence of a
        // nonce are what tell a logout token from an id_token (section 2.4), checked below either way.
        if (token.Typ is { Length: > 0 } typ && !typ.Equals("logout+jwt", StringComparison.OrdinalIgnoreCase)
            && !typ.Equals("application/logout+jwt", StringComparison.OrdinalIgnoreCase) && !typ.Equals("JWT", StringComparison.OrdinalIgnoreCase))
        {
            return "typ is not logout+jwt";
        }

        if (!token.TryGetPayloadValue<JsonElement>("events", out var events) || events.ValueKind != JsonValueKind.Object
            || !events.TryGetProperty(Event, out var logoutEvent) || logoutEvent.ValueKind != JsonValueKind.Object)
        {
            return "no back-channel logout event";
        }

        if (!token.TryGetPayloadValue<string>("sid", out var sid) || string.IsNullOrEmpty(sid) || sid.Length > 200)
        {
            return "no sid";
        }

        if (token.TryGetClaim("nonce", out _))
        {
            return "a nonce";
        }

        if (!token.TryGetClaim("iat", out _) || token.IssuedAt == DateTime.MinValue)
        {
            return "no iat";
        }

        var issuedAt = new DateTimeOffset(token.IssuedAt, TimeSpan.Zero);
        if (issuedAt < now - MaxAge || issuedAt > now + Skew)
        {
            return "iat not fresh";
        }

        if (token.TryGetClaim("exp", out _) && new DateTimeOffset(token.ValidTo, TimeSpan.Zero) < now - Skew)
        {
            return "expired";
        }

        if (string.IsNullOrEmpty(token.Id) || token.Id.Length > 200)
        {
            return "no jti";
        }

        return null;
    }

    private static IResult Refused(ILogger logger, string reason)
    {
        LogRefused(logger, reason);
        // Section 2.8: 400, with an OAuth 2.0 error (RFC 6749 5.2). The reason stays in the log.
        return Results.Json(new Dictionary<string, string>
        {
            ["error"] = "invalid_request",
            ["error_description"] = "The logout token is not valid.",
        }, statusCode: StatusCodes.Status400BadRequest);
    }

    [LoggerMessage(EventId = 2030, Level = LogLevel.Information, Message = "ID-porten back-channel logout ended {Count} session(s)")]
    private static partial void LogEnded(ILogger logger, int count);

    [LoggerMessage(EventId = 2032, Level = LogLevel.Warning, Message = "ID-porten back-channel logout not checked: ID-porten's keys could not be fetched")]
    private static partial void LogNoKeys(ILogger logger);

    [LoggerMessage(EventId = 2031, Level = LogLevel.Warning, Message = "ID-porten back-channel logout refused: {Reason}")]
    private static partial void LogRefused(ILogger logger, string reason);
}

/// <summary>
/// The jti of every logout token accepted, remembered until the token is too old to pass the iat
/// check anyway (iat + <see cref="BackChannelLogout.MaxAge"/>), at most <see cref="Capacity"/> at a time.
/// </summary>
/// <remarks>
/// Per replica, in memory, by design (no table): a replayed logout token can do nothing but end
/// the sessions of a sid that the first delivery already ended, and ID-porten never gives a new
/// login an old sid; the iat window bounds a replay to minutes. So a token replayed to another
/// replica within those minutes changes nothing, and the check is defence in depth, not a boundary.
/// </remarks>
public sealed class LogoutTokenIds(TimeProvider time)
{
    public const int Capacity = 100_000;

    private readonly ConcurrentDictionary<string, DateTimeOffset> seen = new(StringComparer.Ordinal);

    /// <summary>True the first time <paramref name="jti"/> is seen (until <paramref name="forgetAfter"/>); false after, or when full.</summary>
    public bool TryUse(string jti, DateTimeOffset forgetAfter)
    {
        var now = time.GetUtcNow();
        if (seen.TryGetValue(jti, out var until) && until <= now)
        {
            seen.TryRemove(new KeyValuePair<string, DateTimeOffset>(jti, until));
        }

        if (seen.Count >= Capacity)
        {
            foreach (var entry in seen.Where(e => e.Value <= now))
            {
                seen.TryRemove(entry);
            }

            if (seen.Count >= Capacity)
            {
                return false;
            }
        }

        return seen.TryAdd(jti, forgetAfter);
    }
}
