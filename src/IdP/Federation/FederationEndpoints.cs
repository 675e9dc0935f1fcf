using Educloud.Shared.Localization;
using Educloud.Idp.Hosting;
using Educloud.Idp.Sessions;
using Educloud.Idp.Settings;
using Microsoft.AspNetCore;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using OpenIddict.Abstractions;
using OpenIddict.Client;
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
    public static AuthenticationProperties ChallengeProperties(string returnUrl, bool fresh, IdPortenOptions options, string? clientId = null, AppLoginRequest? app = null)
    {
        var level = app?.Level ?? options.AcrValues;
        var properties = new AuthenticationProperties(new Dictionary<string, string?>
        {
            [OpenIddictClientAspNetCoreConstants.Properties.ProviderName] = FederationExtensions.ProviderName,
            [ClientIdItem] = clientId,
            // Kept in OpenIddict's protected state: the callback checks the acr against what was asked.
            [LevelItem] = level,
        })
        {
            RedirectUri = LocalUrl.OrRoot(returnUrl),
        };
        properties.Parameters[Parameters.AcrValues] = level;
        // ID-porten shows its pages in the language of ours (nb, nn or en: it knows all three). Ours
        // already follow the app's ui_locales, then the person's choice, then the browser (LanguageSelection).
        properties.Parameters[Parameters.UiLocales] = Languages.Current;

        if (fresh)
        {
            properties.Parameters[Parameters.Prompt] = PromptValues.Login;
        }

        return properties;
    }

    /// <summary>Challenge property: the level of assurance asked of ID-porten for this login (<see cref="AppLoginRequest.Level"/>).</summary>
    public const string LevelItem = ".educloud_acr";

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
            // The state was valid (OpenIddict checks it first): the login was for this app's request.
            var (stateReturnUrl, stateItems) = ValidatedState(http);
            return LoginFailed(http, logger, metrics, refused, response.ErrorDescription, stateReturnUrl, stateItems, UpstreamRefusals.ForError(UpstreamError(http)));
        }

        var result = await http.AuthenticateAsync(OpenIddictClientAspNetCoreDefaults.AuthenticationScheme);
        if (!result.Succeeded || result.Principal is not { } principal)
        {
            var items = result.Properties?.Items;
            var error = items?.TryGetValue(OpenIddictClientAspNetCoreConstants.Properties.Error, out var e) == true ? e : null;
            var description = items?.TryGetValue(OpenIddictClientAspNetCoreConstants.Properties.ErrorDescription, out var d) == true ? d : null;
            var (stateReturnUrl, stateItems) = ValidatedState(http);
            return LoginFailed(http, logger, metrics, error ?? "none", description ?? result.Failure?.Message, stateReturnUrl, stateItems, UpstreamRefusals.ForError(UpstreamError(http)));
        }

        var returnUrl = LocalUrl.OrRoot(result.Properties?.RedirectUri);
        var clientId = result.Properties?.Items.TryGetValue(ClientIdItem, out var c) == true ? c : null;
        var required = result.Properties?.Items.TryGetValue(LevelItem, out var l) == true && AcrLevels.IsKnown(l) ? l! : options.Value.AcrValues;
        // Every id_token counts: without sid, logout at ID-porten cannot find our session (health check).
        http.RequestServices.GetRequiredService<IdPortenAvailability>().ObserveIdToken(principal.FindFirst("sid")?.Value is { Length: > 0 });
        var acr = principal.FindFirst(Claims.AuthenticationContextReference)?.Value;
        var pid = principal.FindFirst("pid")?.Value;
        if (ForeignEid.IsForeign(acr, pid))
        {
            // eIDAS: a person identified by another country's eID, without a Norwegian pid. A page
            // that says what to do (docs/decisions.md "Issue 11"), not the app: it cannot help.
            LogNoPid(logger, ForeignEid.AcrForLog(acr));
            metrics.UpstreamRefused("no_pid");
            await ForeignEid.AuditAsync(http, acr, clientId);
            await RefusedUpstreamLogin.KeepAsync(http, UpstreamIdToken(result));
            return Results.Redirect(AccountPaths.ForeignEid);
        }

        if (!AcrLevels.Satisfies(acr, required))
        {
            // ID-porten requires the client to check acr: a lower level must not become a session.
            // The app that asked for it is told (its acr_values were not met); else the page says why.
            LogAcrTooLow(logger, acr ?? "none", required);
            metrics.UpstreamRefused("acr");
            if (ToApp(http, returnUrl, clientId, UpstreamRefusals.LevelNotMet) is { } toApp)
            {
                return Results.Redirect(toApp);
            }

            await RefusedUpstreamLogin.KeepAsync(http, UpstreamIdToken(result));
            return Results.Redirect(AccountPaths.InsufficientLevel);
        }

        var found = await directory.FindOrProvisionAsync(pid!, http.RequestAborted);
        if (found is null)
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
        return Results.Redirect(await flow.FirstFactorDoneAsync(http, found.User, FirstFactor.FromIdPorten(upstream), purpose, returnUrl, clientId, found.HasActiveFactor) ?? AccountPaths.Login);
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

    private static IResult LoginFailed(
        HttpContext http, ILogger logger, IdpMetrics metrics, string error, string? reason,
        string? returnUrl, IReadOnlyDictionary<string, string?>? items, AppErrorReturn.Refusal toApp)
    {
        metrics.UpstreamRefused("error");
        LogUpstreamFailed(logger, error, reason ?? "no principal");
        var clientId = items?.TryGetValue(ClientIdItem, out var c) == true ? c : null;
        return Results.Redirect(ToApp(http, returnUrl, clientId, toApp) ?? AccountPaths.LoginError);
    }

    /// <summary>The way back to the app's authorization request with <paramref name="refusal"/>, or null when the login was not for an app.</summary>
    private static string? ToApp(HttpContext http, string? returnUrl, string? clientId, AppErrorReturn.Refusal refusal) =>
        returnUrl is null ? null : http.RequestServices.GetRequiredService<AppErrorReturn>().WayBack(LocalUrl.OrRoot(returnUrl), http.Request.PathBase, clientId, refusal);

    /// <summary>
    /// The way back and the challenge's properties from OpenIddict's state token, when it was
    /// validated before the refusal (an error from ID-porten, a wrong iss, a bad id_token); else none.
    /// </summary>
    private static (string? ReturnUrl, IReadOnlyDictionary<string, string?>? Items) ValidatedState(HttpContext http)
    {
        var context = http.Features.Get<OpenIddictClientAspNetCoreFeature>()?.Transaction?
            .GetProperty<OpenIddictClientEvents.ProcessAuthenticationContext>(typeof(OpenIddictClientEvents.ProcessAuthenticationContext).FullName!);
        return context?.StateTokenPrincipal is { } state
            ? (state.GetClaim(Claims.TargetLinkUri), context.Properties)
            : (null, null);
    }

    /// <summary>The error ID-porten itself sent back (its authorization response), if any.</summary>
    private static string? UpstreamError(HttpContext http) =>
        (string?)http.Features.Get<OpenIddictClientAspNetCoreFeature>()?.Transaction?.Request?[Parameters.Error];

    [LoggerMessage(EventId = 2001, Level = LogLevel.Warning, Message = "ID-porten login failed: error {Error}, {Reason}")]
    private static partial void LogUpstreamFailed(ILogger logger, string error, string reason);

    [LoggerMessage(EventId = 2002, Level = LogLevel.Warning, Message = "ID-porten level of assurance {Acr} is below the required {Required}")]
    private static partial void LogAcrTooLow(ILogger logger, string acr, string required);

    [LoggerMessage(EventId = 2003, Level = LogLevel.Warning, Message = "ID-porten login without a national identity number (pid) refused (acr {Acr})")]
    private static partial void LogNoPid(ILogger logger, string acr);

    [LoggerMessage(EventId = 2004, Level = LogLevel.Information, Message = "ID-porten login of a person not registered here (auto-provisioning off)")]
    private static partial void LogNotRegistered(ILogger logger);
}
