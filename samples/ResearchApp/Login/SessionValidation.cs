using Educloud.ResearchApp.BackChannelLogout;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;

namespace Educloud.ResearchApp.Login;

/// <summary>
/// Runs on every request that carries the app's cookie (CookieAuthenticationEvents.OnValidatePrincipal):
/// a session whose IdP session has ended (back-channel logout) is gone; an access token about to
/// expire is refreshed; a refresh the IdP refuses (the login was revoked) ends the session too.
/// </summary>
public static class SessionValidation
{
    public static async Task ValidateAsync(CookieValidatePrincipalContext context)
    {
        var services = context.HttpContext.RequestServices;
        if (services.GetRequiredService<EndedSessions>().HasEnded(context.Principal!, context.Properties.IssuedUtc))
        {
            await EndAsync(context);
            return;
        }

        var refresher = services.GetRequiredService<TokenRefresher>();
        if (!refresher.IsDue(context.Properties))
        {
            return;
        }

        var refreshToken = context.Properties.GetTokenValue("refresh_token");
        if (refreshToken is null)
        {
            // No offline_access: the app logs the person in again (silently while the IdP session lives).
            await EndAsync(context);
            return;
        }

        var result = await refresher.RefreshAsync(refreshToken, context.Principal!.FindFirst("sub")?.Value ?? "");
        switch (result.Status)
        {
            case RefreshStatus.Refreshed:
                context.Properties.UpdateTokenValue("access_token", result.AccessToken!);
                context.Properties.UpdateTokenValue("refresh_token", result.RefreshToken!);
                context.Properties.UpdateTokenValue("expires_at", result.ExpiresAt.ToString("o", System.Globalization.CultureInfo.InvariantCulture));
                if (result.IdToken is not null)
                {
                    // The newest id_token is the hint at logout.
                    context.Properties.UpdateTokenValue("id_token", result.IdToken);
                }

                // Write the cookie again with the new tokens.
                context.ShouldRenew = true;
                break;
            case RefreshStatus.Refused:
                await EndAsync(context);
                break;
            case RefreshStatus.Unavailable:
                // The IdP is unreachable for now: keep the session; the API may refuse an expired token meanwhile.
                break;
        }
    }

    private static async Task EndAsync(CookieValidatePrincipalContext context)
    {
        context.RejectPrincipal();
        await context.HttpContext.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
    }
}
