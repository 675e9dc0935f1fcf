using Educloud.Idp.Data;

namespace Educloud.Idp.Sessions;

/// <summary>
/// What happens once the first factor (ID-porten) has proven who the person is.
/// TODO(issue 3): the TOTP step slots in here: instead of starting the session, remember the
/// proven first factor in a short-lived cookie and send the person to the code (or enrollment)
/// page; the session starts only after a valid code, with amr ["otp", "mfa"].
/// </summary>
public sealed class LoginCompletion(SessionService sessions)
{
    /// <summary>amr for a login proven by an external provider only (no RFC 8176 value fits; "ext" is ours).</summary>
    public const string ExternalAmr = "ext";

    public async Task<IResult> CompleteAsync(HttpContext http, IdpUser user, UpstreamLogin upstream, string returnUrl)
    {
        await sessions.SignInAsync(http, user, upstream, [ExternalAmr], upstream.Acr);
        return Results.Redirect(returnUrl);
    }
}
