using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Mvc;
using OpenIddict.Client.AspNetCore;

namespace Educloud.Idp.Federation;

/// <summary>
/// RP-initiated logout at ID-porten (mandatory for its clients, reference/idporten.md): after our
/// session has ended, the person goes to ID-porten's end_session_endpoint with ID-porten's id_token
/// of that login as id_token_hint, and comes back through /federation/idporten/logged-out
/// (FederationEndpoints.LoggedOutAsync) to <c>returnUrl</c>. Without it the next login would pass
/// through ID-porten's single sign-on unasked.
/// </summary>
public static class UpstreamLogout
{
    public static SignOutResult ThenReturnTo(string upstreamIdToken, string returnUrl) =>
        new([OpenIddictClientAspNetCoreDefaults.AuthenticationScheme], Properties(upstreamIdToken, returnUrl));

    /// <summary>The sign-out properties for OpenIddict's client: ID-porten, the id_token_hint, and the checked way back.</summary>
    public static AuthenticationProperties Properties(string upstreamIdToken, string returnUrl) =>
        new(new Dictionary<string, string?>
        {
            [OpenIddictClientAspNetCoreConstants.Properties.ProviderName] = FederationExtensions.ProviderName,
            [OpenIddictClientAspNetCoreConstants.Properties.IdentityTokenHint] = upstreamIdToken,
        })
        {
            // Checked here as well as on the way back (LocalUrl.Redirect): the one rule at both ends.
            RedirectUri = Sessions.LocalUrl.OrRoot(returnUrl),
        };
}
