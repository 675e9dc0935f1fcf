using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;

namespace Educloud.IdPortenSimulator;

internal sealed partial class SimulatorEndpoints
{
    // The authorization parameters the login form carries over to its POST; anything else is dropped.
    private static readonly string[] CarriedParameters =
    [
        "client_id", "redirect_uri", "response_type", "response_mode", "scope", "state", "nonce",
        "code_challenge", "code_challenge_method", "acr_values", "ui_locales", "prompt",
    ];

    private const string Title = "TestID — ID-porten simulator";

    private sealed record AuthorizeRequest(
        SimulatedClient Client,
        string RedirectUri,
        string State,
        string Nonce,
        string CodeChallenge,
        string Scope,
        string Acr,
        string Locale,
        RequestParameters Parameters);

    public IResult AuthorizeGet(HttpContext http)
    {
        var sim = Begin(http);
        var parameters = RequestParameters.FromQuery(http.Request);
        var (request, error) = ValidateAuthorize(sim, parameters);
        return error ?? LoginPage(sim, request!, StatusCodes.Status200OK, error: null, chosenPid: null, typedPid: null, request!.Acr);
    }

    public async Task<IResult> AuthorizePost(HttpContext http)
    {
        var sim = Begin(http);
        var parameters = await RequestParameters.FromFormAsync(http.Request);
        if (parameters is null)
        {
            return HtmlPage.Error(http, "The login form could not be read.");
        }

        // The hidden fields came from the browser: they get exactly the checks the GET had.
        var (request, error) = ValidateAuthorize(sim, parameters);
        if (error is not null)
        {
            return error;
        }

        var chosen = parameters["sim_pid"];
        var typed = parameters["sim_pid_other"]?.Trim();
        var acr = parameters["sim_acr"];
        var pid = string.IsNullOrEmpty(typed) ? chosen : typed;
        if (pid is null || pid.Length != 11 || !pid.All(char.IsAsciiDigit))
        {
            return LoginPage(sim, request!, StatusCodes.Status400BadRequest,
                "Choose a person, or type a national identity number of exactly 11 digits.", chosen, typed, acr ?? request!.Acr);
        }

        if (acr is null || !AcrValues.Contains(acr))
        {
            return LoginPage(sim, request!, StatusCodes.Status400BadRequest, "Choose a level of assurance.", chosen, typed, request!.Acr);
        }

        var now = sim.Now;
        var sid = RandomToken(16);
        var code = RandomToken(32);
        sim.Store.AddSession(new SimulatorSession(sid, pid, request!.Client.ClientId, now + SimulatorStore.SessionLifetime));
        sim.Store.AddCode(code, new AuthorizationCodeGrant(
            request.Client.ClientId, request.RedirectUri, request.CodeChallenge, request.Nonce, request.Scope,
            pid, acr, now, sid, request.Locale, now + sim.Options.CodeLifetime));
        return RedirectBack(sim, request.RedirectUri, [new("code", code), new("state", request.State)]);
    }

    /// <summary>
    /// ID-porten's checks, in the order that decides where an error may go: until client_id and
    /// redirect_uri are known to be good an error is a page of our own; after that it goes back
    /// to the client (RFC 6749 4.1.2.1).
    /// </summary>
    private static (AuthorizeRequest? Request, IResult? Error) ValidateAuthorize(Sim sim, RequestParameters p)
    {
        var http = sim.Http;
        if (p.IsBad("client_id") || p["client_id"] is not { } clientId)
        {
            return (null, HtmlPage.Error(http, "The request has no usable client_id."));
        }

        if (sim.Options.FindClient(clientId) is not { } client)
        {
            return (null, HtmlPage.Error(http, "The client_id is not registered with the simulator."));
        }

        if (p.IsBad("redirect_uri") || p["redirect_uri"] is not { } redirectUri)
        {
            return (null, HtmlPage.Error(http, "The request has no usable redirect_uri."));
        }

        if (!client.RedirectUris.Contains(redirectUri, StringComparer.Ordinal))
        {
            return (null, HtmlPage.Error(http, "The redirect_uri is not registered for this client."));
        }

        var state = p.IsBad("state") ? null : p["state"];
        IResult Fail(string error, string description) =>
            RedirectBack(sim, redirectUri, [new("error", error), new("error_description", description), new("state", state)]);

        if (p.Problem is { } problem)
        {
            return (null, Fail("invalid_request", problem));
        }

        if (p["request"] is not null)
        {
            return (null, Fail("request_not_supported", "Request objects are not supported by the simulator."));
        }

        if (p["request_uri"] is not null)
        {
            return (null, Fail("request_uri_not_supported", "PAR and request_uri are not supported by the simulator."));
        }

        var responseType = p["response_type"];
        if (responseType is null)
        {
            return (null, Fail("invalid_request", "response_type is required."));
        }

        if (responseType != "code")
        {
            return (null, Fail("unsupported_response_type", "Only response_type=code is supported."));
        }

        if (p["response_mode"] is { } mode && mode != "query")
        {
            return (null, Fail("invalid_request", "Only response_mode=query is supported."));
        }

        var scope = p["scope"];
        var scopes = scope?.Split(' ', StringSplitOptions.RemoveEmptyEntries) ?? [];
        if (!scopes.Contains("openid"))
        {
            return (null, Fail("invalid_scope", "The scope must contain openid."));
        }

        if (scopes.Any(s => !Scopes.Contains(s)))
        {
            return (null, Fail("invalid_scope", "The scope contains a scope this client is not registered for."));
        }

        if (state is null)
        {
            return (null, Fail("invalid_request", "state is required."));
        }

        if (p["nonce"] is not { } nonce)
        {
            return (null, Fail("invalid_request", "nonce is required."));
        }

        if (p["code_challenge"] is not { } challenge)
        {
            return (null, Fail("invalid_request", "PKCE is required: code_challenge is missing."));
        }

        if (p["code_challenge_method"] != "S256")
        {
            return (null, Fail("invalid_request", "code_challenge_method must be S256."));
        }

        // A SHA-256 digest in base64url is always 43 characters.
        if (challenge.Length != 43 || !challenge.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
        {
            return (null, Fail("invalid_request", "code_challenge is not a base64url SHA-256 digest."));
        }

        var acrValues = p["acr_values"]?.Split(' ', StringSplitOptions.RemoveEmptyEntries) ?? [];
        if (acrValues.Any(a => !AcrValues.Contains(a)))
        {
            return (null, Fail("invalid_request", "acr_values may only hold idporten-loa-substantial and idporten-loa-high."));
        }

        // Without an SSO session there is no one to log in silently.
        if (p["prompt"]?.Split(' ').Contains("none") == true)
        {
            return (null, Fail("login_required", "The user is not logged in."));
        }

        var locale = p["ui_locales"]?.Split(' ', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault(Locales.Contains) ?? "nb";
        return (new AuthorizeRequest(client, redirectUri, state, nonce, challenge, string.Join(' ', scopes),
            acrValues.FirstOrDefault() ?? Substantial, locale, p), null);
    }

    /// <summary>Every redirect back to the client carries iss (RFC 9207), unless a fault says otherwise.</summary>
    private static IResult RedirectBack(Sim sim, string redirectUri, List<KeyValuePair<string, string?>> parameters)
    {
        if (!sim.Faults.OmitIssInAuthorizationResponse)
        {
            parameters.Add(new("iss", sim.Faults.WrongIssuerInAuthorizationResponse ? IdPortenSimulatorFaults.WrongIssuer : sim.Issuer));
        }

        sim.Http.Response.Headers.CacheControl = "no-store";
        return Results.Redirect(QueryHelpers.AddQueryString(redirectUri, parameters.Where(p => p.Value is not null)));
    }

    private static IResult LoginPage(Sim sim, AuthorizeRequest request, int statusCode, string? error, string? chosenPid, string? typedPid, string acr)
    {
        var persons = SyntheticPersons.All;
        var chosenIndex = Math.Max(0, persons.ToList().FindIndex(p => p.Pid == chosenPid));
        var body = new StringBuilder()
            .Append("<h1>").Append(HtmlPage.E(Title)).Append("</h1>\n")
            .Append("<p>Logging in to <strong>").Append(HtmlPage.E(request.Client.ClientId)).Append("</strong>. ")
            .Append("This simulates ID-porten's test environment: no password, just pick a synthetic person and a level of assurance.</p>\n");
        if (error is not null)
        {
            body.Append("<p class=\"error\" role=\"alert\" id=\"form-error\">").Append(HtmlPage.E(error)).Append("</p>\n");
        }

        body.Append("<form method=\"post\" action=\"").Append(HtmlPage.E(sim.BasePath + "/authorize")).Append("\">\n");
        foreach (var name in CarriedParameters)
        {
            if (request.Parameters[name] is { } value)
            {
                body.Append("<input type=\"hidden\" name=\"").Append(name).Append("\" value=\"").Append(HtmlPage.E(value)).Append("\">\n");
            }
        }

        body.Append("<fieldset>\n<legend>Synthetic person</legend>\n");
        for (var i = 0; i < persons.Count; i++)
        {
            body.Append("<div><input type=\"radio\" name=\"sim_pid\" id=\"pid-").Append(i).Append("\" value=\"").Append(persons[i].Pid).Append('"')
                .Append(i == chosenIndex ? " checked" : "").Append("> <label for=\"pid-").Append(i).Append("\">")
                .Append(HtmlPage.E(persons[i].Name)).Append(" (").Append(persons[i].Pid).Append(")</label></div>\n");
        }

        body.Append("</fieldset>\n<p><label for=\"sim_pid_other\">Or type another national identity number (11 digits)</label>\n")
            .Append("<input type=\"text\" id=\"sim_pid_other\" name=\"sim_pid_other\" inputmode=\"numeric\" autocomplete=\"off\" maxlength=\"11\"")
            .Append(" aria-describedby=\"pid-other-hint").Append(error is null ? "" : " form-error").Append('"')
            .Append(error is not null && !string.IsNullOrEmpty(typedPid) ? " aria-invalid=\"true\"" : "")
            .Append(" value=\"").Append(HtmlPage.E(typedPid ?? "")).Append("\">\n")
            .Append("<span class=\"note\" id=\"pid-other-hint\">When filled in, this is used instead of the person chosen above.</span></p>\n")
            .Append("<fieldset>\n<legend>Level of assurance</legend>\n");
        foreach (var (value, id, label) in new[] { (Substantial, "acr-substantial", "Substantial"), (High, "acr-high", "High") })
        {
            body.Append("<div><input type=\"radio\" name=\"sim_acr\" id=\"").Append(id).Append("\" value=\"").Append(value).Append('"')
                .Append(value == acr ? " checked" : "").Append("> <label for=\"").Append(id).Append("\">")
                .Append(label).Append(" (").Append(value).Append(")</label></div>\n");
        }

        // Both levels are offered whatever was asked for, so that a tester can check that the
        // relying party refuses a lower acr than it requested.
        body.Append("</fieldset>\n<button type=\"submit\">Log in</button>\n</form>\n");
        return HtmlPage.Render(sim.Http, statusCode, Title, body.ToString(), HtmlPage.Origins(request.Client.RedirectUris));
    }
}
