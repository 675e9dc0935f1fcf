using static OpenIddict.Abstractions.OpenIddictConstants;

namespace Educloud.Idp.Federation;

/// <summary>
/// What a research app is told when its login ends at or after ID-porten without a session
/// (OIDC Core 3.1.2.6; docs/decisions.md "Issue 11"). ID-porten's own answers the app can act on
/// pass through as they are: access_denied (the person cancelled), login_required (no ID-porten
/// session for a silent login), temporarily_unavailable (try again later). Anything else, from
/// ID-porten or from our checks of its answer (iss, id_token), is server_error: the app cannot fix
/// it, and the reason is in our log, never in the description. Fixed descriptions only.
/// </summary>
public static class UpstreamRefusals
{
    /// <summary>Not in OIDC Core's list; OpenID Connect Core Error Code unmet_authentication_requirements 1.0 defines it for acr_values that could not be met.</summary>
    public const string UnmetAuthenticationRequirements = "unmet_authentication_requirements";

    public static AppErrorReturn.Refusal LevelNotMet { get; } =
        new(UnmetAuthenticationRequirements, "The login at ID-porten did not reach the level of assurance asked for.");

    /// <summary>The error for the app, from <paramref name="upstreamError"/>: ID-porten's error code, or null when our checks refused its answer.</summary>
    public static AppErrorReturn.Refusal ForError(string? upstreamError) => upstreamError switch
    {
        Errors.AccessDenied => new(Errors.AccessDenied, "The login at ID-porten was cancelled or refused."),
        Errors.LoginRequired => new(Errors.LoginRequired, "The person is not logged in at ID-porten."),
        Errors.TemporarilyUnavailable => new(Errors.TemporarilyUnavailable, "ID-porten is temporarily unavailable; try again later."),
        _ => new(Errors.ServerError, "The login at ID-porten failed."),
    };
}
