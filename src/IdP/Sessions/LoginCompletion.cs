using Educloud.Idp.Data;

namespace Educloud.Idp.Sessions;

/// <summary>
/// What happens once the first factor (ID-porten) has proven who the person is.
/// TODO(issue 3, wiring): the TOTP pages (/account/code, /account/enroll) and PendingLogin are in
/// place; switching this method to <see cref="ToSecondFactorAsync"/> makes the code mandatory.
/// It is not switched yet because the flow tests must first learn to answer the code pages.
/// </summary>
public sealed class LoginCompletion(SessionService sessions, TimeProvider time)
{
    /// <summary>amr for a login proven by an external provider only (no RFC 8176 value fits; "ext" is ours).</summary>
    public const string ExternalAmr = "ext";

    public async Task<IResult> CompleteAsync(HttpContext http, IdpUser user, UpstreamLogin upstream, string returnUrl, string purpose)
    {
        if (purpose == LoginPurpose.Enroll)
        {
            return await ToSecondFactorAsync(http, user, upstream, returnUrl, purpose);
        }

        await sessions.SignInAsync(http, user, upstream, [ExternalAmr], upstream.Acr);
        return Results.Redirect(returnUrl);
    }

    /// <summary>No session yet: remember the proven first factor and ask for the code (or a new authenticator).</summary>
    public async Task<IResult> ToSecondFactorAsync(HttpContext http, IdpUser user, UpstreamLogin upstream, string returnUrl, string purpose)
    {
        await new PendingLogin(user.Id, purpose, upstream, returnUrl).SignInAsync(http, time);
        if (purpose == LoginPurpose.Enroll)
        {
            return Results.Redirect("/account/enroll");
        }

        var totp = http.RequestServices.GetRequiredService<Totp.TotpService>();
        return Results.Redirect(await totp.HasActiveAsync(user.Id, http.RequestAborted) ? "/account/code" : "/account/enroll");
    }
}
