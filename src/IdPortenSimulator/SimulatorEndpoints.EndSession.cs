using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Educloud.IdPortenSimulator;

internal sealed partial class SimulatorEndpoints
{
    public Task<IResult> EndSessionGet(HttpContext http) =>
        EndSession(Begin(http), RequestParameters.FromQuery(http.Request));

    public async Task<IResult> EndSessionPost(HttpContext http) =>
        await RequestParameters.FromFormAsync(http.Request) is { } parameters
            ? await EndSession(Begin(http), parameters)
            : HtmlPage.Error(http, "The logout form could not be read.");

    /// <summary>
    /// RP-initiated logout. Errors are pages of our own, never redirects: a redirect target is
    /// trusted only once the client is known and the URI is registered for it.
    /// </summary>
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

        var session = sid is null ? null : sim.Store.EndSession(sid);
        var frames = session is null
            ? []
            : sim.Options.Clients
                .Where(c => c.ClientId == session.ClientId && c.FrontChannelLogoutUri is not null)
                .Select(c => (c.ClientId, Uri: QueryHelpers.AddQueryString(c.FrontChannelLogoutUri!, new Dictionary<string, string?> { ["iss"] = sim.Issuer, ["sid"] = session.Sid })))
                .ToList();

        const string title = "You are logged out of ID-porten (simulator)";
        var body = new StringBuilder().Append("<h1>").Append(HtmlPage.E(title)).Append("</h1>\n");
        body.Append(session is null ? "<p>There was no login session to end.</p>\n"
            : frames.Count > 0 ? "<p>Your login session has ended, and the services you used it for have been told.</p>\n"
            : "<p>Your login session has ended.</p>\n");
        foreach (var (frameClientId, uri) in frames)
        {
            // Front-channel logout (OpenID Connect Front-Channel Logout 1.0), as ID-porten does it.
            body.Append("<iframe src=\"").Append(HtmlPage.E(uri)).Append("\" title=\"Logging out of ")
                .Append(HtmlPage.E(frameClientId)).Append("\" width=\"0\" height=\"0\"></iframe>\n");
        }

        if (postLogoutRedirectUri is not null)
        {
            var target = p["state"] is { } state
                ? QueryHelpers.AddQueryString(postLogoutRedirectUri, "state", state)
                : postLogoutRedirectUri;
            body.Append("<p><a href=\"").Append(HtmlPage.E(target)).Append("\">Continue</a></p>\n");
        }

        return HtmlPage.Render(http, StatusCodes.Status200OK, title, body.ToString(),
            frameSources: HtmlPage.Origins(frames.Select(f => f.Uri)));
    }
}
