using Microsoft.AspNetCore.Http;

namespace Educloud.IdPortenSimulator;

/// <summary>
/// Pushed authorization requests (RFC 9126), as ID-porten offers them
/// (docs.digdir.no/docs/idporten/oidc/oidc_protocol_par): POST /par with the client's
/// authentication (the same methods as /token) and the parameters /authorize would get. The
/// request is checked here, in full, and kept; the answer names it by a request_uri
/// (urn:ietf:params:oauth:request_uri:...) that /authorize takes once, with client_id, before
/// <see cref="IdPortenSimulatorOptions.PushedRequestLifetime"/> has passed. Errors are JSON
/// (RFC 9126 2.3), never redirects: no browser is involved yet.
/// </summary>
internal sealed partial class SimulatorEndpoints
{
    public async Task<IResult> PushedAuthorizationRequest(HttpContext http)
    {
        var (sim, p, client, refused) = await AuthenticatedFormAsync(http);
        if (refused is not null)
        {
            return refused;
        }

        var (request, requestProblem) = ValidateAuthorize(sim, p, client);
        if (requestProblem is not null)
        {
            return JsonError(http, 400, requestProblem.Error, requestProblem.Description);
        }

        var requestUri = RequestUriPrefix + RandomToken(32);
        var lifetime = sim.Options.PushedRequestLifetime;
        sim.Store.AddPushedRequest(requestUri, new PushedRequest(request!, sim.Now + lifetime));
        var response = JsonNoStore(http, new Dictionary<string, object>
        {
            ["request_uri"] = requestUri,
            ["expires_in"] = (int)lifetime.TotalSeconds,
        }, StatusCodes.Status201Created);
        return response;
    }
}
