using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;

namespace Educloud.IdPortenSimulator;

/// <summary>
/// /authorize as ID-porten does it (docs.digdir.no/docs/idporten/oidc/oidc_protocol_authorize,
/// oidc_protocol_par, oidc_protocol_sso):
/// <list type="bullet">
/// <item>A request comes either in the query, or pushed first to /par and named here by client_id and
///   request_uri only (RFC 9126 4: the other parameters are not mixed in; they are refused).</item>
/// <item>Single sign-on: a login leaves a session (cookie) in the browser; a later request within it is
///   answered at once with the session's person, level and original auth_time, unless it asks for
///   prompt=login, a max_age the login is older than, or a higher level than the session has.
///   prompt=none never shows the page: without a usable session it returns login_required.</item>
/// <item>The page offers synthetic persons (Norwegian, and from abroad through eIDAS) and the three
///   levels; it never grants a level below the lowest one acr_values asked for (substantial when none).
///   Cancel returns access_denied. Every answer to the client carries state and iss (RFC 9207).</item>
/// </list>
/// </summary>
internal sealed partial class SimulatorEndpoints
{
    public const string SessionCookie = "idporten-sim-session";
    private const string TransactionField = "sim_tx";
    private const string EidasPrefix = "eidas-";
    private const string RequestUriPrefix = "urn:ietf:params:oauth:request_uri:";

    // A login page may stay open this long (then the person starts again from the service).
    private static readonly TimeSpan PendingLoginLifetime = TimeSpan.FromMinutes(30);

    /// <summary>What is wrong with an authorization request; <see cref="RedirectUri"/> is set once it is safe to send the error back there.</summary>
    private sealed record AuthorizeProblem(string Error, string Description, string? RedirectUri = null, string? State = null);

    public IResult AuthorizeGet(HttpContext http)
    {
        var sim = Begin(http);
        var parameters = RequestParameters.FromQuery(http.Request);
        var (request, problem) = parameters.IsBad("request_uri") || parameters["request_uri"] is not null
            ? ResolvePushedRequest(sim, parameters)
            : ValidateAuthorize(sim, parameters, authenticatedClient: null);
        if (problem is not null)
        {
            return problem.RedirectUri is null
                ? HtmlPage.Error(http, problem.Description)
                : RedirectBack(sim, problem.RedirectUri, [new("error", problem.Error), new("error_description", problem.Description), new("state", problem.State)]);
        }

        return Answer(sim, request!);
    }

    public async Task<IResult> AuthorizePost(HttpContext http)
    {
        var sim = Begin(http);
        var parameters = await RequestParameters.FromFormAsync(http.Request);
        if (parameters is null)
        {
            return HtmlPage.Error(http, "The login form could not be read.");
        }

        // The form carries only the transaction: the request it answers stays on the server, so
        // nothing the browser sends can change where the code goes or what it is bound to.
        var transaction = parameters[TransactionField];
        if (transaction is null || sim.Store.FindPendingLogin(transaction) is not { } pending)
        {
            return HtmlPage.Error(http, "This login page has expired or was already used. Start again from the service.");
        }

        var request = pending.Request;
        (string Error, string Description)? refusal = parameters["sim_cancel"] is not null ? ("access_denied", "The user cancelled the login.")
            : sim.Faults.ErrorInsteadOfLogin is { } error ? (error, "The simulator was told to fail this login.")
            : null;
        if (refusal is { } answer)
        {
            return sim.Store.EndPendingLogin(transaction)
                ? RedirectBack(sim, request.RedirectUri, [new("error", answer.Error), new("error_description", answer.Description), new("state", request.State)])
                : HtmlPage.Error(http, "This login page has expired or was already used. Start again from the service.");
        }

        var texts = PageTexts.For(request.PageLanguage);
        var chosen = parameters["sim_pid"];
        var typed = parameters["sim_pid_other"]?.Trim();
        var level = Levels.Rank(parameters["sim_acr"]);
        var person = ChosenPerson(chosen, typed);
        if (person is null)
        {
            return LoginPage(sim, request, transaction, StatusCodes.Status400BadRequest, texts.PidInvalid, chosen, typed, level ?? request.MinimumLevel);
        }

        if (level is null)
        {
            return LoginPage(sim, request, transaction, StatusCodes.Status400BadRequest, texts.LevelMissing, chosen, typed, request.MinimumLevel);
        }

        if (level < request.MinimumLevel && !sim.Faults.GrantLevelBelowRequested)
        {
            var asked = string.Format(CultureInfo.InvariantCulture, texts.LevelTooLow, texts.LevelName(request.MinimumLevel));
            return LoginPage(sim, request, transaction, StatusCodes.Status400BadRequest, asked, chosen, typed, request.MinimumLevel);
        }

        if (!sim.Store.EndPendingLogin(transaction))
        {
            return HtmlPage.Error(http, "This login page has expired or was already used. Start again from the service.");
        }

        var now = sim.Now;
        var browserKey = http.Request.Cookies[SessionCookie] is { Length: > 0 and <= 64 } existing ? existing : RandomToken(24);
        var session = new SimulatorSession(RandomToken(16), browserKey, person, level.Value, now, now + sim.Options.SessionLifetime);
        sim.Store.AddSession(session);
        http.Response.Cookies.Append(SessionCookie, browserKey, new CookieOptions
        {
            Path = sim.BasePath,
            HttpOnly = true,
            Secure = http.Request.IsHttps,
            // Lax: the cookie must come along on the top-level GET from the client to /authorize.
            SameSite = SameSiteMode.Lax,
            IsEssential = true,
        });
        return IssueCode(sim, request, session);
    }

    /// <summary>A valid request: answered at once from the SSO session when it can be, else the login page.</summary>
    private static IResult Answer(Sim sim, AuthorizeRequest request)
    {
        var session = sim.Store.FindBrowserSession(sim.Http.Request.Cookies[SessionCookie], sim.Options.SessionIdleTimeout);
        var usable = session is not null && !request.PromptLogin && session.Level >= request.MinimumLevel &&
            (request.MaxAge is not { } maxAge || sim.Now - session.AuthTime <= TimeSpan.FromSeconds(maxAge));
        if (usable)
        {
            return IssueCode(sim, request, session!);
        }

        if (request.PromptNone)
        {
            return RedirectBack(sim, request.RedirectUri,
                [new("error", "login_required"), new("error_description", "The user is not logged in."), new("state", request.State)]);
        }

        var transaction = RandomToken(24);
        sim.Store.AddPendingLogin(transaction, new PendingLogin(request, sim.Now + PendingLoginLifetime));
        return LoginPage(sim, request, transaction, StatusCodes.Status200OK, error: null, chosenPid: null, typedPid: null, request.MinimumLevel);
    }

    private static IResult IssueCode(Sim sim, AuthorizeRequest request, SimulatorSession session)
    {
        var now = sim.Now;
        session.LastUsed = now;
        session.Clients.TryAdd(request.Client.ClientId, now);
        var code = RandomToken(32);
        sim.Store.AddCode(code, new AuthorizationCodeGrant(
            request.Client.ClientId, request.RedirectUri, request.CodeChallenge, request.Nonce, request.Scope,
            session.Person, session.Acr, session.AuthTime, session.Sid, request.Locale, now + sim.Options.CodeLifetime));
        return RedirectBack(sim, request.RedirectUri, [new("code", code), new("state", request.State)]);
    }

    private static LoggedInPerson? ChosenPerson(string? chosen, string? typed)
    {
        if (string.IsNullOrEmpty(typed) && chosen is not null && chosen.StartsWith(EidasPrefix, StringComparison.Ordinal))
        {
            return int.TryParse(chosen.AsSpan(EidasPrefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out var index) &&
                index < SyntheticPersons.Eidas.Count
                ? new LoggedInPerson(null, SyntheticPersons.Eidas[index])
                : null;
        }

        var pid = string.IsNullOrEmpty(typed) ? chosen : typed;
        return pid is { Length: 11 } && pid.All(char.IsAsciiDigit) ? new LoggedInPerson(pid, null) : null;
    }

    /// <summary>
    /// /authorize with client_id and request_uri (RFC 9126 4). The pushed request is taken out at
    /// once, so a request_uri is used once whatever happens; errors are pages of our own.
    /// </summary>
    private static (AuthorizeRequest? Request, AuthorizeProblem? Problem) ResolvePushedRequest(Sim sim, RequestParameters p)
    {
        if (p.Problem is { } problem)
        {
            return (null, new AuthorizeProblem("invalid_request", problem));
        }

        if (p["client_id"] is not { } clientId || sim.Options.FindClient(clientId) is null)
        {
            return (null, new AuthorizeProblem("invalid_request", "A request_uri must come with the client_id of a registered client."));
        }

        if (p.Names.Any(n => n is not ("client_id" or "request_uri")))
        {
            return (null, new AuthorizeProblem("invalid_request",
                "With a request_uri, only client_id may be sent: the other parameters come from the pushed request (RFC 9126 4)."));
        }

        var requestUri = p["request_uri"]!;
        if (!requestUri.StartsWith(RequestUriPrefix, StringComparison.Ordinal) || sim.Store.TakePushedRequest(requestUri) is not { } pushed)
        {
            return (null, new AuthorizeProblem("invalid_request", "The request_uri is unknown, expired or already used. Start again from the service."));
        }

        return pushed.Request.Client.ClientId == clientId
            ? (pushed.Request, null)
            : (null, new AuthorizeProblem("invalid_request", "The request_uri was pushed by another client."));
    }

    /// <summary>
    /// ID-porten's checks, in the order that decides where an error may go: until client_id and
    /// redirect_uri are known to be good an error is a page of our own; after that it goes back
    /// to the client (RFC 6749 4.1.2.1). For /par, <paramref name="authenticatedClient"/> is the
    /// client that authenticated, and client_id must name it (RFC 9126 2.1).
    /// </summary>
    private static (AuthorizeRequest? Request, AuthorizeProblem? Problem) ValidateAuthorize(Sim sim, RequestParameters p, SimulatedClient? authenticatedClient)
    {
        var viaPar = authenticatedClient is not null;
        if (p.IsBad("client_id") || p["client_id"] is not { } clientId)
        {
            return (null, new AuthorizeProblem("invalid_request", "The request has no usable client_id."));
        }

        if (sim.Options.FindClient(clientId) is not { } client || (viaPar && client != authenticatedClient))
        {
            return (null, new AuthorizeProblem("invalid_request", viaPar
                ? "The client_id is not the client that authenticated."
                : "The client_id is not registered with the simulator."));
        }

        if (p.IsBad("redirect_uri") || p["redirect_uri"] is not { } redirectUri)
        {
            return (null, new AuthorizeProblem("invalid_request", "The request has no usable redirect_uri."));
        }

        if (!client.RedirectUris.Contains(redirectUri, StringComparer.Ordinal))
        {
            return (null, new AuthorizeProblem("invalid_request", "The redirect_uri is not registered for this client."));
        }

        var state = p.IsBad("state") ? null : p["state"];
        (AuthorizeRequest?, AuthorizeProblem?) Fail(string error, string description) =>
            (null, new AuthorizeProblem(error, description, redirectUri, state));

        if (!viaPar && sim.Options.RequirePushedAuthorizationRequests)
        {
            return Fail("invalid_request", "This client must push its authorization request to /par first (RFC 9126).");
        }

        if (p.Problem is { } problem)
        {
            return Fail("invalid_request", problem);
        }

        if (p["request"] is not null)
        {
            return Fail("request_not_supported", "Request objects are not supported by the simulator.");
        }

        if (viaPar && (p.IsBad("request_uri") || p["request_uri"] is not null))
        {
            return Fail("invalid_request", "A pushed authorization request must not hold a request_uri (RFC 9126 2.1).");
        }

        var responseType = p["response_type"];
        if (responseType is null)
        {
            return Fail("invalid_request", "response_type is required.");
        }

        if (responseType != "code")
        {
            return Fail("unsupported_response_type", "Only response_type=code is supported.");
        }

        if (p["response_mode"] is { } mode && mode != "query")
        {
            return Fail("invalid_request", "Only response_mode=query is supported.");
        }

        var scope = p["scope"];
        var scopes = scope?.Split(' ', StringSplitOptions.RemoveEmptyEntries) ?? [];
        if (!scopes.Contains("openid"))
        {
            return Fail("invalid_scope", "The scope must contain openid.");
        }

        if (scopes.Any(s => !Scopes.Contains(s)))
        {
            return Fail("invalid_scope", "The scope contains a scope this client is not registered for.");
        }

        if (state is null)
        {
            return Fail("invalid_request", "state is required.");
        }

        if (p["nonce"] is not { } nonce)
        {
            return Fail("invalid_request", "nonce is required.");
        }

        if (p["code_challenge"] is not { } challenge)
        {
            return Fail("invalid_request", "PKCE is required: code_challenge is missing.");
        }

        if (p["code_challenge_method"] != "S256")
        {
            return Fail("invalid_request", "code_challenge_method must be S256.");
        }

        // A SHA-256 digest in base64url is always 43 characters.
        if (challenge.Length != 43 || !challenge.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
        {
            return Fail("invalid_request", "code_challenge is not a base64url SHA-256 digest.");
        }

        var acrValues = p["acr_values"]?.Split(' ', StringSplitOptions.RemoveEmptyEntries) ?? [];
        if (acrValues.Any(a => Levels.Rank(a) is null))
        {
            return Fail("invalid_request", "acr_values may only hold ID-porten's levels: idporten-loa-low, -substantial, -high, eidas-loa-low, -substantial, -high.");
        }

        var prompts = p["prompt"]?.Split(' ', StringSplitOptions.RemoveEmptyEntries) ?? [];
        if (prompts.Any(v => v is not ("none" or "login")) || (prompts.Contains("none") && prompts.Length > 1))
        {
            return Fail("invalid_request", "prompt may be none or login, and none only alone.");
        }

        long? maxAge = null;
        if (p["max_age"] is { } maxAgeText)
        {
            if (!long.TryParse(maxAgeText, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds))
            {
                return Fail("invalid_request", "max_age must be a number of seconds.");
            }

            maxAge = seconds;
        }

        // acr_values lists the acceptable levels: the lowest of them is the minimum.
        var minimum = acrValues.Length == 0 ? Levels.SubstantialRank : acrValues.Min(a => Levels.Rank(a)!.Value);
        var asked = p["ui_locales"]?.Split(' ', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault(Locales.Contains);
        return (new AuthorizeRequest(client, redirectUri, state, nonce, challenge, string.Join(' ', scopes), minimum,
            asked ?? "nb", asked ?? "en", prompts.Contains("login"), prompts.Contains("none"), maxAge), null);
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

    private static string AskedFor(AuthorizeRequest request)
    {
        var asked = new List<string> { "acr_values=" + Levels.Acr(request.MinimumLevel, eidas: false) };
        if (request.PromptLogin)
        {
            asked.Add("prompt=login");
        }

        if (request.MaxAge is { } maxAge)
        {
            asked.Add("max_age=" + maxAge.ToString(CultureInfo.InvariantCulture));
        }

        asked.Add("ui_locales=" + request.PageLanguage);
        return string.Join(' ', asked);
    }

    private static IResult LoginPage(Sim sim, AuthorizeRequest request, string transaction, int statusCode, string? error, string? chosenPid, string? typedPid, int level)
    {
        var t = PageTexts.For(request.PageLanguage);
        var persons = SyntheticPersons.All;
        var body = new StringBuilder()
            .Append("<h1>").Append(HtmlPage.E(t.Title)).Append("</h1>\n")
            .Append("<p>").Append(HtmlPage.E(t.IntroBefore)).Append(" <strong>").Append(HtmlPage.E(request.Client.ClientId)).Append("</strong>. ")
            .Append(HtmlPage.E(t.IntroAfter)).Append("</p>\n");
        // With PAR the request is not in the URL any more: what the service asked for is shown here
        // (for testers, and for tests of the service that check it asked for a fresh login).
        body.Append("<p class=\"note\" id=\"sim-request\">").Append(HtmlPage.E(AskedFor(request))).Append("</p>\n");
        if (error is not null)
        {
            body.Append("<p class=\"error\" role=\"alert\" id=\"form-error\">").Append(HtmlPage.E(error)).Append("</p>\n");
        }

        body.Append("<form method=\"post\" action=\"").Append(HtmlPage.E(sim.BasePath + "/authorize")).Append("\">\n")
            .Append("<input type=\"hidden\" name=\"").Append(TransactionField).Append("\" value=\"").Append(transaction).Append("\">\n")
            .Append("<fieldset>\n<legend>").Append(HtmlPage.E(t.PersonLegend)).Append("</legend>\n");
        var choices = persons.Select(p => (Value: p.Pid, Label: $"{p.Name} ({p.Pid})"))
            .Concat(SyntheticPersons.Eidas.Select((p, i) => (Value: EidasPrefix + i.ToString(CultureInfo.InvariantCulture), Label: $"{p.Name} ({t.EidasSuffix})")))
            .ToList();
        var chosenIndex = Math.Max(0, choices.FindIndex(c => c.Value == chosenPid));
        for (var i = 0; i < choices.Count; i++)
        {
            body.Append("<div><input type=\"radio\" name=\"sim_pid\" id=\"pid-").Append(i).Append("\" value=\"").Append(HtmlPage.E(choices[i].Value)).Append('"')
                .Append(i == chosenIndex ? " checked" : "").Append("> <label for=\"pid-").Append(i).Append("\">")
                .Append(HtmlPage.E(choices[i].Label)).Append("</label></div>\n");
        }

        body.Append("</fieldset>\n<p><label for=\"sim_pid_other\">").Append(HtmlPage.E(t.OtherPidLabel)).Append("</label>\n")
            .Append("<input type=\"text\" id=\"sim_pid_other\" name=\"sim_pid_other\" inputmode=\"numeric\" autocomplete=\"off\" maxlength=\"11\"")
            .Append(" aria-describedby=\"pid-other-hint").Append(error is null ? "" : " form-error").Append('"')
            .Append(error is not null && !string.IsNullOrEmpty(typedPid) ? " aria-invalid=\"true\"" : "")
            .Append(" value=\"").Append(HtmlPage.E(typedPid ?? "")).Append("\">\n")
            .Append("<span class=\"note\" id=\"pid-other-hint\">").Append(HtmlPage.E(t.OtherPidHint)).Append("</span></p>\n")
            .Append("<fieldset>\n<legend>").Append(HtmlPage.E(t.LevelLegend)).Append("</legend>\n");

        // Every level is offered, also those below what was asked for: choosing one shows the
        // refusal a person would meet, and the fault GrantLevelBelowRequested lets it through.
        foreach (var (value, id, rank) in new[] { (Levels.Low, "acr-low", Levels.LowRank), (Levels.Substantial, "acr-substantial", Levels.SubstantialRank), (Levels.High, "acr-high", Levels.HighRank) })
        {
            body.Append("<div><input type=\"radio\" name=\"sim_acr\" id=\"").Append(id).Append("\" value=\"").Append(value).Append('"')
                .Append(rank == level ? " checked" : "").Append("> <label for=\"").Append(id).Append("\">")
                .Append(HtmlPage.E(t.LevelName(rank))).Append(" (").Append(value).Append(")</label></div>\n");
        }

        body.Append("</fieldset>\n<button type=\"submit\">").Append(HtmlPage.E(t.LogIn)).Append("</button>\n")
            .Append("<button type=\"submit\" class=\"secondary\" name=\"sim_cancel\" value=\"1\">").Append(HtmlPage.E(t.Cancel)).Append("</button>\n</form>\n");
        return HtmlPage.Render(sim.Http, statusCode, t.Title, body.ToString(), HtmlPage.Origins(request.Client.RedirectUris), language: t.Language);
    }
}
