using Educloud.Idp.Hosting;
using Educloud.Idp.Sessions;
using Educloud.Idp.Settings;
using Microsoft.AspNetCore;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using OpenIddict.Client.AspNetCore;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace Educloud.Idp.Federation;

public static partial class FederationEndpoints
{
    /// <summary>Challenge property naming the <see cref="LoginPurpose"/> of an ID-porten login.</summary>
    public const string PurposeItem = ".educloud_purpose";

    /// <summary>How recent ID-porten's auth_time must be for a login that may change the authenticator (ASVS 5 7.5.1).</summary>
    public static readonly TimeSpan FreshLoginWindow = TimeSpan.FromMinutes(5);

    /// <summary>Challenge property naming the research app of the login (<see cref="LoginApp"/>), kept in OpenIddict's protected state.</summary>
    public const string ClientIdItem = ".educloud_client_id";

    /// <summary>
    /// Starts a login at ID-porten. <paramref name="fresh"/> forces a new login there too (prompt=login).
    /// <paramref name="clientId"/> is the app as /connect/authorize vouched for it, for the audit log.
    /// </summary>
    public static AuthenticationProperties ChallengeProperties(string returnUrl, bool fresh, IdPortenOptions options, string? clientId = null)
    {
        var properties = new AuthenticationProperties(new Dictionary<string, string?>
        {
            [OpenIddictClientAspNetCoreConstants.Properties.ProviderName] = FederationExtensions.ProviderName,
            [ClientIdItem] = clientId,
        })
        {
            RedirectUri = LocalUrl.OrRoot(returnUrl),
        };
        properties.Parameters[Parameters.AcrValues] = options.AcrValues;
        if (fresh)
        {
            properties.Parameters[Parameters.Prompt] = PromptValues.Login;
        }

        return properties;
    }

    /// <summary>
    /// The redirection endpoint. OpenIddict has checked state, iss (RFC 9207), the code exchange
    /// and the id_token (signature, iss, aud, nonce, expiry); what remains is ours: the level of
    /// assurance and who the person is.
    /// </summary>
    public static async Task<IResult> CallbackAsync(
        HttpContext http,
        UserDirectory directory,
        LoginFlow flow,
        IOptions<IdPortenOptions> options,
        IdpMetrics metrics,
        ILoggerFactory loggers)
    {
        var logger = loggers.CreateLogger(typeof(FederationEndpoints));
        // Error passthrough (FederationExtensions): what OpenIddict refused (bad state, wrong or missing
        // iss, an error from ID-porten, a bad id_token, a request it could not even read) arrives with
        // the error set. It is not authenticated again: for an unreadable request (e.g. a JSON POST)
        // that throws inside OpenIddict 7.8. The user sees one generic page; the log says why
        // (OpenIddict's fixed error texts, no secrets).
        if (http.GetOpenIddictClientResponse() is { Error: { } refused } response)
        {
            return LoginFailed(logger, metrics, refused, response.ErrorDescription);
        }

        var result = await http.AuthenticateAsync(OpenIddictClientAspNetCoreDefaults.AuthenticationScheme);
        if (!result.Succeeded || result.Principal is not { } principal)
        {
            var items = result.Properties?.Items;
            var error = items?.TryGetValue(OpenIddictClientAspNetCoreConstants.Properties.Error, out var e) == true ? e : null;
            var description = items?.TryGetValue(OpenIddictClientAspNetCoreConstants.Properties.ErrorDescription, out var d) == true ? d : null;
            return LoginFailed(logger, metrics, error ?? "none", description ?? result.Failure?.Message);
        }

        var acr = principal.FindFirst(Claims.AuthenticationContextReference)?.Value;
        if (!AcrLevels.Satisfies(acr, options.Value.AcrValues))
        {
            // ID-porten requires the client to check acr: a lower level must not become a session.
            LogAcrTooLow(logger, acr ?? "none", options.Value.AcrValues);
            metrics.UpstreamRefused("acr");
            await RefusedUpstreamLogin.KeepAsync(http, UpstreamIdToken(result));
            return Results.Redirect(AccountPaths.InsufficientLevel);
        }

        var pid = principal.FindFirst("pid")?.Value;
        if (!PidProtector.IsWellFormed(pid))
        {
            LogNoPid(logger);
            metrics.UpstreamRefused("no_pid");
            await RefusedUpstreamLogin.KeepAsync(http, UpstreamIdToken(result));
            return Results.Redirect(AccountPaths.NotRegistered);
        }

        var user = await directory.FindOrProvisionAsync(pid!, http.RequestAborted);
        if (user is null)
        {
            LogNotRegistered(logger);
            metrics.UpstreamRefused("not_registered");
            await RefusedUpstreamLogin.KeepAsync(http, UpstreamIdToken(result));
            return Results.Redirect(AccountPaths.NotRegistered);
        }

        var upstream = new UpstreamLogin(
            principal.FindFirst("sid")?.Value,
            acr!,
            principal.FindAll(Claims.AuthenticationMethodReference).Select(c => c.Value).ToList(),
            result.Properties?.GetTokenValue(OpenIddictClientAspNetCoreConstants.Tokens.BackchannelIdentityToken));
        var returnUrl = LocalUrl.OrRoot(result.Properties?.RedirectUri);
        var clientId = result.Properties?.Items.TryGetValue(ClientIdItem, out var c) == true ? c : null;
        var purpose = result.Properties?.Items.TryGetValue(PurposeItem, out var p) == true && p == LoginPurpose.Enroll
            ? LoginPurpose.Enroll
            : LoginPurpose.Login;
        if (purpose == LoginPurpose.Enroll && !IsFresh(principal, http.RequestServices.GetRequiredService<TimeProvider>()))
        {
            // We asked ID-porten for prompt=login; an old auth_time means we did not get a new login.
            LogNotFresh(logger);
            metrics.UpstreamRefused("not_fresh");
            await RefusedUpstreamLogin.KeepAsync(http, UpstreamIdToken(result));
            return Results.Redirect(AccountPaths.LoginError);
        }

        // Never null after ID-porten: without an authenticator the person goes on to set one up.
        return Results.Redirect(await flow.FirstFactorDoneAsync(http, user, FirstFactor.FromIdPorten(upstream), purpose, returnUrl, clientId) ?? AccountPaths.Login);
    }

    /// <summary>
    /// Back from ID-porten's end_session_endpoint (RP-initiated logout upstream). OpenIddict has
    /// checked the state; the person goes on to finish the logout that started it (the app's end
    /// session request, now without a session, which returns to the app).
    /// </summary>
    public static async Task<IResult> LoggedOutAsync(HttpContext http, ILoggerFactory loggers)
    {
        var logger = loggers.CreateLogger(typeof(FederationEndpoints));
        if (http.GetOpenIddictClientResponse() is { Error: { } refused } response)
        {
            // Our own session is already over; only the way back is lost.
            LogUpstreamLogoutFailed(logger, refused, response.ErrorDescription ?? "");
            return Results.Redirect(AccountPaths.Start);
        }

        var result = await http.AuthenticateAsync(OpenIddictClientAspNetCoreDefaults.AuthenticationScheme);
        return LocalUrl.Redirect(http, result.Properties?.RedirectUri);
    }

    // ID-porten's id_token of this login: the id_token_hint of any logout there (UpstreamLogout).
    private static string? UpstreamIdToken(AuthenticateResult result) =>
        result.Properties?.GetTokenValue(OpenIddictClientAspNetCoreConstants.Tokens.BackchannelIdentityToken);

    [LoggerMessage(EventId = 2008, Level = LogLevel.Warning, Message = "Return from ID-porten's logout refused: error {Error}, {Reason}")]
    private static partial void LogUpstreamLogoutFailed(ILogger logger, string error, string reason);

    private static bool IsFresh(System.Security.Claims.ClaimsPrincipal principal, TimeProvider time) =>
        long.TryParse(principal.FindFirst(Claims.AuthenticationTime)?.Value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var seconds)
        && time.GetUtcNow() - DateTimeOffset.FromUnixTimeSeconds(seconds) <= FreshLoginWindow;

    [LoggerMessage(EventId = 2005, Level = LogLevel.Warning, Message = "ID-porten login for a new authenticator was not fresh (auth_time too old or missing)")]
    private static partial void LogNotFresh(ILogger logger);

    private static IResult LoginFailed(ILogger logger, IdpMetrics metrics, string error, string? reason)
    {
        metrics.UpstreamRefused("error");
        LogUpstreamFailed(logger, error, reason ?? "no principal");
        return Results.Redirect(AccountPaths.LoginError);
    }

    [LoggerMessage(EventId = 2001, Level = LogLevel.Warning, Message = "ID-porten login failed: error {Error}, {Reason}")]
    private static partial void LogUpstreamFailed(ILogger logger, string error, string reason);

    [LoggerMessage(EventId = 2002, Level = LogLevel.Warning, Message = "ID-porten level of assurance {Acr} is below the required {Required}")]
    private static partial void LogAcrTooLow(ILogger logger, string acr, string required);

    [LoggerMessage(EventId = 2003, Level = LogLevel.Warning, Message = "ID-porten login without a national identity number (pid) refused")]
    private static partial void LogNoPid(ILogger logger);

    [LoggerMessage(EventId = 2004, Level = LogLevel.Information, Message = "ID-porten login of a person not registered here (auto-provisioning off)")]
    private static partial void LogNotRegistered(ILogger logger);
}
