using Educloud.Idp.Data;
using Educloud.Idp.Totp;

namespace Educloud.Idp.Sessions;

/// <summary>
/// What happens once the first factor (ID-porten) has proven who the person is: never a session
/// yet. The proven first factor is kept in a short-lived cookie, and the person goes on to type a
/// code, or to set up an authenticator first. No bypass, no "remember this device", no "later".
/// </summary>
public sealed class LoginCompletion(TotpService totp, TimeProvider time)
{
    public async Task<IResult> CompleteAsync(HttpContext http, IdpUser user, UpstreamLogin upstream, string returnUrl, string purpose, string? clientId = null)
    {
        await new PendingLogin(user.Id, purpose, upstream, returnUrl, clientId).SignInAsync(http, time);
        if (purpose == LoginPurpose.Enroll || !await totp.HasActiveAsync(user.Id, http.RequestAborted))
        {
            return Results.Redirect("/account/enroll");
        }

        return Results.Redirect("/account/code");
    }
}
