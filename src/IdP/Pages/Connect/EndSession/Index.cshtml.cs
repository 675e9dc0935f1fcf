using System.Collections.Immutable;
using Educloud.Idp.Federation;
using Educloud.Idp.Sessions;
using Microsoft.AspNetCore;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using OpenIddict.Abstractions;
using OpenIddict.Server.AspNetCore;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace Educloud.Idp.Pages.Connect.EndSession;

/// <summary>
/// RP-initiated logout. OpenIddict has validated post_logout_redirect_uri (it must be registered)
/// and the id_token_hint. Without a hint naming the logged-in user, we ask first: a third party
/// must not be able to log the user out (ASVS 5 10.6.2).
/// </summary>
[AllowAnonymous]
public sealed class EndSessionModel(SessionService sessions) : PageModel
{
    public IReadOnlyList<(string Name, string Value)> Parameters { get; private set; } = [];

    public async Task<IActionResult> OnGetAsync()
    {
        var request = HttpContext.GetOpenIddictServerRequest();
        if (request is null)
        {
            return BadRequest();
        }

        var current = SessionFacts.From((await HttpContext.AuthenticateAsync(SessionDefaults.Scheme)).Principal ?? new());
        var hint = (await HttpContext.AuthenticateAsync(OpenIddictServerAspNetCoreDefaults.AuthenticationScheme)).Principal;
        if (current is null || hint?.GetClaim(Claims.Subject) == current.UserId)
        {
            return await LogOutAsync();
        }

        Parameters = Flatten(request).Select(p => (p.Key, p.Value ?? "")).ToList();
        return Page();
    }

    public Task<IActionResult> OnPostAsync() => LogOutAsync();

    private async Task<IActionResult> LogOutAsync()
    {
        // The app, for the audit log: the one that sent the request (client_id, or the id_token_hint's audience).
        var app = HttpContext.GetOpenIddictServerRequest()?.ClientId
            ?? (await HttpContext.AuthenticateAsync(OpenIddictServerAspNetCoreDefaults.AuthenticationScheme)).Principal?.GetClaim(Claims.Audience);
        var upstreamIdToken = await sessions.EndEverythingReturningUpstreamIdTokenAsync(HttpContext, LogoutWay.FromApp(app));
        if (upstreamIdToken is not null && HttpContext.GetOpenIddictServerRequest() is { } request)
        {
            // A session from ID-porten ends at ID-porten too. Back from there, this same end session
            // request runs again, finds no session, and returns to the app.
            var again = Request.PathBase + Request.Path + QueryString.Create(Flatten(request));
            return UpstreamLogout.ThenReturnTo(upstreamIdToken, again);
        }

        return SignOut(new AuthenticationProperties { RedirectUri = "/" }, OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
    }

    // The request's parameters as name/value pairs, a repeated name once per value.
    private static IEnumerable<KeyValuePair<string, string?>> Flatten(OpenIddictRequest request) =>
        request.GetParameters().SelectMany(p => ((ImmutableArray<string?>?)p.Value ?? []).Select(v => new KeyValuePair<string, string?>(p.Key, v)));
}
