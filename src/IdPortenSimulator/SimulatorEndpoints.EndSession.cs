using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Educloud.IdPortenSimulator;

/// <summary>
/// Logout as ID-porten does it (docs.digdir.no/docs/idporten/oidc/oidc_protocol_logout): the
/// session (named by the id_token_hint's sid, else the browser's cookie) ends; every client in it
/// is told, by front-channel logout (an iframe each, with iss and sid) and by back-channel logout
/// when registered for it (<see cref="BackChannelLogout"/>); the page then offers the way back to
/// the registered post_logout_redirect_uri. With no session to end, ID-porten shows an error page,
/// not a redirect, and so does the simulator (400). Errors are pages of our own, never redirects:
/// a redirect target is trusted only once the client is known and the URI is registered for it.
/// </summary>
internal sealed partial class SimulatorEndpoints
{
    private const string LoggedOutTitle = "You are logged out of ID-porten (simulator)";

    public Task<IResult> EndSessionGet(HttpContext http) =>
        EndSession(Begin(http), RequestParameters.FromQuery(http.Request));

    public async Task<IResult> EndSessionPost(HttpContext http) =>
        await RequestParameters.FromFormAsync(http.Request) is { } parameters
            ? await EndSession(Begin(http), parameters)
            : HtmlPage.Error(http, "The logout form could not be read.");

    /// <summary>
    /// Test only: the browser's session ends as if the person had logged out at another service
    /// (Digdir's verification test 7): the same logged-out page, frames and back-channel calls.
    /// </summary>
    public async Task<IResult> LogoutElsewhere(HttpContext http)
    {
        var sim = Begin(http);
        var session = EndBrowserSession(sim);
        return session is null
            ? NoSessionPage(sim, continueTo: null)
            : await LoggedOutPage(sim, session, continueTo: null);
    }

    private static async Task<IResult> EndSession(Sim sim, RequestParameters p)
    {
        var http = sim.Http;
        if (p.Problem is { } problem)
        {
            return HtmlPage.Error(http, problem);
        }

        SimulatedClient? client = null;
        string? sid = null;
        if (p["id_token_hint"] is { } hint)
        {
            // The signature alone proves that we issued it. Expired hints are normal here, and the
            // issuer is not checked so that tokens made with WrongIssuerInIdToken can still log out.
            var result = await TokenHandler.ValidateTokenAsync(hint, new TokenValidationParameters
            {
                IssuerSigningKey = sim.Key.Key,
                ValidAlgorithms = ["RS256"],
                ValidateIssuer = false,
                ValidateAudience = false,
                ValidateLifetime = false,
            });
            if (!result.IsValid || result.SecurityToken is not JsonWebToken token ||
                token.Audiences.Count() != 1 || sim.Options.FindClient(token.Audiences.Single()) is not { } audience)
            {
                return HtmlPage.Error(http, "The id_token_hint was not issued by this simulator to a registered client.");
            }

            client = audience;
            sid = token.TryGetPayloadValue<string>("sid", out var value) ? value : null;
        }

        if (p["client_id"] is { } clientId)
        {
            var named = sim.Options.FindClient(clientId);
            if (named is null || (client is not null && client != named))
            {
                return HtmlPage.Error(http, "The client_id is unknown or does not match the id_token_hint.");
            }

            client = named;
        }

        var postLogoutRedirectUri = p["post_logout_redirect_uri"];
        if (postLogoutRedirectUri is not null &&
            (client is null || !client.PostLogoutRedirectUris.Contains(postLogoutRedirectUri, StringComparer.Ordinal)))
        {
            return HtmlPage.Error(http, "The post_logout_redirect_uri is not registered for this client (send id_token_hint or client_id).");
        }

        var continueTo = postLogoutRedirectUri is null ? null
            : p["state"] is { } state ? QueryHelpers.AddQueryString(postLogoutRedirectUri, "state", state)
            : postLogoutRedirectUri;
        var session = sid is not null ? sim.Store.EndSession(sid, sim.Options.SessionIdleTimeout) : null;
        if (session is not null)
        {
            ForgetBrowser(sim);
        }
        else
        {
            session = EndBrowserSession(sim);
        }

        return session is null ? NoSessionPage(sim, continueTo) : await LoggedOutPage(sim, session, continueTo);
    }

    private static SimulatorSession? EndBrowserSession(Sim sim)
    {
        var browser = sim.Store.FindBrowserSession(sim.Http.Request.Cookies[SessionCookie], sim.Options.SessionIdleTimeout);
        ForgetBrowser(sim);
        return browser is null ? null : sim.Store.EndSession(browser.Sid, sim.Options.SessionIdleTimeout);
    }

    private static void ForgetBrowser(Sim sim) =>
        sim.Http.Response.Cookies.Delete(SessionCookie, new CookieOptions { Path = sim.BasePath, HttpOnly = true, Secure = sim.Http.Request.IsHttps, SameSite = SameSiteMode.Lax });

    /// <summary>ID-porten's answer to a logout without a session: an error page (it may still lead back to the service).</summary>
    private static IResult NoSessionPage(Sim sim, string? continueTo)
    {
        var body = new StringBuilder()
            .Append("<h1>No login session to end</h1>\n")
            .Append("<p class=\"error\" role=\"alert\">You have no login session at ID-porten (simulator): it has already ended, timed out, or never began.</p>\n");
        AppendContinue(body, continueTo);
        return HtmlPage.Render(sim.Http, StatusCodes.Status400BadRequest, "Error — ID-porten simulator", body.ToString());
    }

    private static async Task<IResult> LoggedOutPage(Sim sim, SimulatorSession session, string? continueTo)
    {
        await sim.BackChannel.SendAsync(sim.Issuer, session, sim.Options, sim.Http.RequestAborted);
        var frames = session.Clients.OrderBy(c => c.Value).Select(c => sim.Options.FindClient(c.Key))
            .Where(c => c?.FrontChannelLogoutUri is not null)
            .Select(c => (c!.ClientId, Uri: QueryHelpers.AddQueryString(c.FrontChannelLogoutUri!, new Dictionary<string, string?> { ["iss"] = sim.Issuer, ["sid"] = session.Sid })))
            .ToList();
        var body = new StringBuilder().Append("<h1>").Append(HtmlPage.E(LoggedOutTitle)).Append("</h1>\n");
        body.Append(frames.Count > 0 ? "<p>Your login session has ended, and the services you used it for have been told.</p>\n"
            : "<p>Your login session has ended.</p>\n");
        foreach (var (frameClientId, uri) in frames)
        {
            // Front-channel logout (OpenID Connect Front-Channel Logout 1.0), as ID-porten does it.
            body.Append("<iframe src=\"").Append(HtmlPage.E(uri)).Append("\" title=\"Logging out of ")
                .Append(HtmlPage.E(frameClientId)).Append("\" width=\"0\" height=\"0\"></iframe>\n");
        }

        AppendContinue(body, continueTo);
        return HtmlPage.Render(sim.Http, StatusCodes.Status200OK, LoggedOutTitle, body.ToString(),
            frameSources: HtmlPage.Origins(frames.Select(f => f.Uri)));
    }

    private static void AppendContinue(StringBuilder body, string? continueTo)
    {
        if (continueTo is not null)
        {
            body.Append("<p><a href=\"").Append(HtmlPage.E(continueTo)).Append("\">Continue</a></p>\n");
        }
    }
}
