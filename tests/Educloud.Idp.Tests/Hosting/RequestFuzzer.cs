using System.Text;
using Microsoft.AspNetCore.Http;

namespace Educloud.Idp.Tests.Hosting;

/// <summary>What a generated request may use to get past the door: real credentials got before the run.</summary>
public sealed record FuzzCredentials(
    string AdminAccessToken,
    string UserAccessToken,
    string SessionCookie,
    string AnonymousAntiforgeryCookie,
    string AnonymousAntiforgeryToken,
    string SessionAntiforgeryCookie,
    string SessionAntiforgeryToken,
    string VictimUserId,
    string VictimClientId);

/// <summary>One generated request, rebuilt exactly from (seed, index).</summary>
public sealed record FuzzRequest(
    int Index,
    string Method,
    string Target,
    IReadOnlyList<KeyValuePair<string, string>> Headers,
    byte[]? Body,
    string? ContentType,
    IReadOnlyList<string> Mutations)
{
    /// <summary>The request as a person would read it: method, target, headers and body (cut short), and what was done to it.</summary>
    public string Describe()
    {
        static string Cut(string text) => text.Length <= 300 ? text : text[..300] + $"...({text.Length} chars)";
        var builder = new StringBuilder()
            .Append('#').Append(Index).Append(' ').Append(Method).Append(' ').Append(Cut(Target))
            .Append("  [").Append(string.Join(", ", Mutations)).Append(']');
        foreach (var (name, value) in Headers)
        {
            builder.Append("\n    ").Append(name).Append(": ").Append(Cut(Escape(value)));
        }

        if (ContentType is not null)
        {
            builder.Append("\n    Content-Type: ").Append(Escape(ContentType));
        }

        if (Body is not null)
        {
            builder.Append("\n    body: ").Append(Cut(Escape(Encoding.Latin1.GetString(Body))));
        }

        return builder.ToString();
    }

    private static string Escape(string text)
    {
        var builder = new StringBuilder(text.Length);
        foreach (var c in text)
        {
            builder.Append(c is < ' ' or (>= '\u007f' and <= '\u00ff') ? $"\\x{(int)c:X2}" : c.ToString());
        }

        return builder.ToString();
    }
}

/// <summary>
/// Generates malformed requests against every endpoint of the IdP. Request <c>i</c> of seed <c>s</c>
/// depends on nothing else (its own <see cref="Random"/> seeded from both), so any single failure
/// replays alone. Each request starts from a well-formed one for its endpoint (with real credentials
/// for part of them, so the bad input reaches the code behind the authentication and antiforgery
/// checks) and gets one to three mutations.
/// </summary>
public sealed class RequestFuzzer(FuzzCredentials credentials, string idPortenIssuer)
{
    private const string Form = "application/x-www-form-urlencoded";
    private const string Json = "application/json";

    // Values that must never be used by a valid-token request with a well-formed body: admin
    // endpoints that change things get a broken body whenever they carry the admin token.
    private enum Kind
    {
        None,
        Form,
        Json,
    }

    private enum Door
    {
        Open,
        ClientBasic,
        MachineBasic,
        UserBearer,
        AdminBearer,
        RazorPost,
        RazorPostWithSession,
    }

    private sealed record Endpoint(string Method, string Path, Kind Kind, Door Door, string Parameters = "", string? JsonBody = null, bool Changes = false);

    private sealed class Draft
    {
        public required string Method { get; set; }

        public required string Path { get; set; }

        // Already %-encoded (or deliberately not): keys and values as they go on the wire, chars as Latin-1 bytes.
        public List<KeyValuePair<string, string>> Query { get; } = [];

        public List<KeyValuePair<string, string>> Form { get; } = [];

        public Kind Kind { get; set; }

        public string? Json { get; set; }

        public byte[]? Raw { get; set; }

        public string? ContentType { get; set; }

        public bool BrokenBody { get; set; }

        public List<KeyValuePair<string, string>> Headers { get; } = [];

        public List<string> Cookies { get; } = [];

        public List<string> Mutations { get; } = [];

        /// <summary>The parameters the mutations work on: the form body of a form POST, else the query.</summary>
        public List<KeyValuePair<string, string>> Parameters => Kind == Kind.Form ? Form : Query;
    }

    private static readonly string Redirect = Uri.EscapeDataString(Infrastructure.IdpHost.AppOrigin + "/signin-oidc");

    private static readonly string AuthorizeParameters =
        $"client_id={Infrastructure.IdpHost.AppClientId}&redirect_uri={Redirect}&response_type=code&scope=openid%20profile" +
        "&state=s&nonce=n&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256";

    private Endpoint[] Endpoints() =>
    [
        new("GET", "/.well-known/openid-configuration", Kind.None, Door.Open),
        new("GET", "/.well-known/jwks", Kind.None, Door.Open),
        new("GET", "/connect/authorize", Kind.None, Door.Open, AuthorizeParameters),
        new("POST", "/connect/authorize", Kind.Form, Door.Open, AuthorizeParameters),
        new("POST", "/connect/par", Kind.Form, Door.ClientBasic, AuthorizeParameters),
        new("POST", "/connect/token", Kind.Form, Door.ClientBasic, $"grant_type=authorization_code&code=abc&code_verifier=dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk&redirect_uri={Redirect}"),
        new("POST", "/connect/token", Kind.Form, Door.ClientBasic, "grant_type=refresh_token&refresh_token=abc"),
        new("POST", "/connect/token", Kind.Form, Door.MachineBasic, "grant_type=client_credentials&scope=openid"),
        new("POST", "/connect/introspect", Kind.Form, Door.ClientBasic, "token=abc&token_type_hint=access_token"),
        new("POST", "/connect/revoke", Kind.Form, Door.ClientBasic, "token=abc&token_type_hint=refresh_token"),
        new("GET", "/connect/userinfo", Kind.None, Door.UserBearer),
        new("POST", "/connect/userinfo", Kind.Form, Door.UserBearer),
        new("GET", "/connect/endsession", Kind.None, Door.Open, $"client_id={Infrastructure.IdpHost.AppClientId}&post_logout_redirect_uri={Uri.EscapeDataString(Infrastructure.IdpHost.AppOrigin + "/signout-callback-oidc")}&state=s"),
        new("POST", "/connect/endsession", Kind.Form, Door.RazorPost, $"client_id={Infrastructure.IdpHost.AppClientId}&state=s&confirm=yes"),
        new("GET", "/federation/idporten/callback", Kind.None, Door.Open, $"code=abc&state=abc&iss={Uri.EscapeDataString(idPortenIssuer)}"),
        new("POST", "/federation/idporten/callback", Kind.Form, Door.Open, $"code=abc&state=abc&iss={Uri.EscapeDataString(idPortenIssuer)}"),
        new("GET", "/federation/idporten/logged-out", Kind.None, Door.Open, "state=abc"),
        new("POST", "/federation/idporten/logged-out", Kind.Form, Door.Open, "state=abc"),
        new("GET", "/federation/idporten/frontchannel-logout", Kind.None, Door.Open, $"iss={Uri.EscapeDataString(idPortenIssuer)}&sid=not-a-session"),
        new("GET", "/", Kind.None, Door.Open),
        new("GET", "/", Kind.None, Door.RazorPostWithSession),
        new("GET", "/error", Kind.None, Door.Open, "status=404&reason=login"),
        new("POST", "/error", Kind.Form, Door.Open, "status=404&reason=login"),
        new("GET", "/account/login", Kind.None, Door.Open, "returnUrl=%2Fconnect%2Fauthorize%3Fclient_id%3Dx&fresh=true"),
        new("POST", "/account/login", Kind.Form, Door.RazorPost, "returnUrl=%2F&fresh=true"),
        new("POST", "/account/login?handler=Password", Kind.Form, Door.RazorPost, "returnUrl=%2F&username=nobody&password=wrong-password"),
        new("GET", "/account/not-registered", Kind.None, Door.Open),
        new("GET", "/account/insufficient-level", Kind.None, Door.Open),
        new("GET", "/account/enroll", Kind.None, Door.RazorPostWithSession),
        new("POST", "/account/enroll", Kind.Form, Door.RazorPostWithSession, $"factorId={Guid.Empty}&code=123456"),
        new("POST", "/account/enroll", Kind.Form, Door.RazorPost, $"factorId={Guid.Empty}&code=123456"),
        new("GET", "/account/enroll-with-code", Kind.None, Door.Open),
        new("POST", "/account/enroll-with-code", Kind.Form, Door.RazorPost, "username=nobody&code=ABCD-EFGH&password=a-long-enough-password&confirm=a-long-enough-password"),
        new("GET", "/account/code", Kind.None, Door.Open),
        new("POST", "/account/code", Kind.Form, Door.RazorPost, "code=123456"),
        new("POST", "/account/code", Kind.Form, Door.RazorPostWithSession, "code=123456"),
        new("GET", "/account/logout", Kind.None, Door.RazorPostWithSession),
        new("POST", "/account/logout", Kind.Form, Door.RazorPost),
        new("GET", "/account/new-code", Kind.None, Door.Open),
        new("POST", "/account/new-code", Kind.Form, Door.RazorPost),
        new("POST", "/account/new-code", Kind.Form, Door.RazorPostWithSession),
        new("GET", "/api/admin/users", Kind.None, Door.AdminBearer, "q=someone"),
        new("GET", $"/api/admin/users/{credentials.VictimUserId}", Kind.None, Door.AdminBearer),
        new("POST", $"/api/admin/users/{credentials.VictimUserId}/authenticator/revoke", Kind.Json, Door.AdminBearer, JsonBody: "{\"reason\":\"fuzz\"}", Changes: true),
        new("POST", $"/api/admin/users/{credentials.VictimUserId}/sessions/end", Kind.Json, Door.AdminBearer, JsonBody: "{\"reason\":\"fuzz\"}", Changes: true),
        new("POST", $"/api/admin/users/{credentials.VictimUserId}/unlock", Kind.Json, Door.AdminBearer, JsonBody: "{\"reason\":\"fuzz\"}", Changes: true),
        new("POST", $"/api/admin/users/{credentials.VictimUserId}/enrollment-codes", Kind.Json, Door.AdminBearer, JsonBody: "{\"reason\":\"fuzz\"}", Changes: true),
        new("POST", "/api/admin/users", Kind.Json, Door.AdminBearer, JsonBody: "{\"userName\":\"fuzzed.user\",\"displayName\":\"Fuzzed\",\"email\":\"f@example.test\",\"reason\":\"fuzz\"}", Changes: true),
        new("GET", "/api/admin/apps", Kind.None, Door.AdminBearer),
        new("GET", $"/api/admin/apps/{credentials.VictimClientId}", Kind.None, Door.AdminBearer),
        new("POST", "/api/admin/apps", Kind.Json, Door.AdminBearer, JsonBody: AppJson("fuzzed-app"), Changes: true),
        new("PUT", $"/api/admin/apps/{credentials.VictimClientId}", Kind.Json, Door.AdminBearer, JsonBody: AppJson(credentials.VictimClientId), Changes: true),
        new("POST", $"/api/admin/apps/{credentials.VictimClientId}/disable", Kind.Json, Door.AdminBearer, JsonBody: "{\"reason\":\"fuzz\"}", Changes: true),
        new("GET", "/api/admin/audit", Kind.None, Door.AdminBearer, "userId=x&type=login&from=2026-01-01T00%3A00%3A00Z&to=2027-01-01T00%3A00%3A00Z&limit=10"),
        new("GET", "/api/admin/audit/export.csv", Kind.None, Door.AdminBearer, "from=2026-01-01T00%3A00%3A00Z&limit=10"),
        new("GET", "/openapi/v1.json", Kind.None, Door.Open),
        new("GET", "/health/live", Kind.None, Door.Open),
        new("GET", "/health/ready", Kind.None, Door.Open),
        new("GET", "/css/site.css", Kind.None, Door.Open),
        new("GET", "/favicon.ico", Kind.None, Door.Open),
    ];

    private static string AppJson(string clientId) =>
        $"{{\"clientId\":\"{clientId}\",\"displayName\":\"Fuzzed app\",\"clientType\":\"confidential\",\"redirectUris\":[\"https://fuzz.test/cb\"]," +
        "\"postLogoutRedirectUris\":[\"https://fuzz.test/out\"],\"scopes\":[\"openid\"],\"consentType\":\"implicit\",\"reason\":\"fuzz\"}";

    // Characters that have no business in any parameter, raw (body) and %-encoded (anywhere).
    private static readonly string[] BadSequences =
    [
        "%00", "%01", "%07", "%08", "%09", "%0A", "%0D", "%0D%0A", "%1B", "%1F", "%7F", "%C2%80", "%C2%85", "%E2%80%A8", "%E2%80%8B", "%EF%BB%BF",
        "%C0%80", "%C0%AE", "%E0%80%80", "%F0%80%80%80", "%C1%BF", // overlong encodings
        "%ED%A0%80", "%ED%BF%BF", "%ED%A0%80%ED%B0%80", // UTF-8 encoded surrogates
        "%FF", "%FE%FF", "%F8%88%80%80%80", "%C3", "%E2%82", "%80",
        "%", "%%", "%0", "%zz", "%u0000", "%uD800", "+", "&", "=", "%26", "%3D", "%25",
        "\0", "\u0001", "\t", "\n", "\r\n", "\u007f", "\u00ff", "\u00c0\u0080", "\u00ed\u00a0\u0080",
        "..%2F..%2F", "%2F%2F", "%5C", "javascript:", "\"'<>", "${jndi:x}", "{{7*7}}",
    ];

    private static readonly string[] BadKeys =
    [
        "a[", "a[0", "[]", "a.b[", "[", "]", "a]", "a[]]", "a[0][", "a[b][", ".", "a..b", "[0]", "a[-1]", "a[99999999999]", "a.", ".a",
        "code[", "returnUrl[", "returnUrl[0]", "returnUrl.x", "factorId[", "username[", "__RequestVerificationToken[", "handler[",
        "client_id[", "Input.Code[", "%00", "a%00b", "%5B", "a%5B", "%C0%80", "%FF", "", " ", "__proto__", "constructor",
    ];

    private static readonly string[] BadContentTypes =
    [
        "application/json", "text/plain", "text/html", "application/xml", "multipart/form-data", "multipart/form-data; boundary=x",
        "multipart/form-data; boundary=", "application/x-www-form-urlencoded; charset=utf-7", "application/x-www-form-urlencoded; charset=garbage",
        "application/x-www-form-urlencoded; charset=\"", "application/x-www-form-urlencoded; charset=utf-16", "application/x-www-form-urlencoded;;;",
        "application/json; charset=latin1", "application/json; charset=utf-32", "application/json; charset=nope", "*/*", ";", "", "garbage",
        "application/x-www-form-urlencoded, application/json", "application/octet-stream", "application/jwt", "application/x-www-form-urlencoded; boundary=x",
    ];

    // Not JSON at all: no parser reads these.
    private static readonly string[] UnreadableJson =
    [
        "{", "}", "[", "{\"reason\":", "{\"reason\":\"x\"", "{\"reason\":\"\\x41\"}", "{'reason':'x'}", "{reason:x}", "{\"reason\":\"x\"}garbage",
        "{\"reason\":\"\\ud800\"}", "{\"reason\":\"a\u0000b\"}", "\u00ff\u00fe{}", "{\"reason\":1e999999}", "{\"reason\":\"x\",}",
        new string('[', 5000) + new string(']', 5000),
    ];

    // JSON, but not what the endpoint takes: wrong types, control characters, nulls.
    private static readonly string[] WrongJson =
    [
        "", "{\"a\":\"\u00ed\u00a0\u0080\"}", "{\"reason\":\"\\u0000\"}", "{\"reason\":\"\\udc00x\"}", "{\"reason\":[1,2,{}]}", "{\"reason\":{}}", "null", "true", "1", "\"string\"",
        "{\"reason\":\"x\",\"reason\":\"y\"}", "{\"redirectUris\":\"not-a-list\"}", "{\"redirectUris\":[null,1,{}],\"scopes\":[\"\\u0000\"]}",
        "{\"clientId\":\"\\u0000\",\"reason\":\"x\"}", "{\"userName\":\"a\\u0000b\",\"reason\":\"x\"}", "{\"rotateSecret\":\"yes\"}", "{\"clientId\":123}",
        "\u00ef\u00bb\u00bf{\"reason\":\"x\"}", "{\"reason\":\"\\u001b[31m\"}", "{\"reason\":\"" + new string('r', 100_000) + "\"}",
    ];

    private static readonly string[] BadAuthorization =
    [
        "Bearer", "Bearer ", "Bearer  ", "Bearer a b c", "Bearer %00", "Bearer \u00ff", "Bearer eyJhbGciOiJub25lIn0.e30.", "Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.",
        "Bearer ...", "Bearer a.b.c.d.e", "Bearer eyJ", "bearer x", "BEARER x", "Basic", "Basic ", "Basic !!!", "Basic %%%", "Basic Og==", "Basic " + B64(":"),
        "Basic " + B64("%00:%00"), "Basic " + B64("a\0:b\0"), "Basic " + B64("\u00ff:\u00ff"), "Basic " + B64("no-colon"), "Basic =", "Basic ====",
        "Negotiate x", "Digest x", "x", ",", "Bearer x, Basic y", "Basic " + B64(new string('a', 10_000) + ":b"),
    ];

    private static readonly string[] BadForwardedProto = ["gopher", "", "https,http", "http, gopher", "HTTPS", "https ", " ", "ftp", "javascript", "%00", "h\u00fftps", "https://x", "1", "http,http,http,http,http,http"];

    private static readonly string[] BadForwardedFor = ["garbage", "999.999.999.999", "::::", "[::1", "1.2.3.4:99999", "1.2.3.4, garbage, ::1", "unknown", "_hidden", "", ",,,", "1.2.3.4%00", "fe80::1%eth0", string.Join(",", Enumerable.Repeat("10.0.0.1", 500))];

    private static readonly string[] BadHosts = ["", "a b", "[::1", "localhost:99999", "localhost:-1", "..", "localhost:abc", "h\u00f8st", "%00", "localhost/path", "a@b", "localhost:443:443", new string('h', 5000), "a." + new string('b', 64) + ".c", "[::1]:x", "[zz]"];

    private static readonly string[] IdpCookies = ["__Host-educloud-session", "__Host-educloud-login", "educloud-af", "__Host-educloud-af", ".AspNetCore.Antiforgery.x", "OpenIddict.Client.State"];

    private static readonly string[] BadCookieValues = ["", "garbage", "CfDJ8garbage", "CfDJ8" + new string('A', 4000), "%00", "a%00b", "\"", "\"\"", "=", "==", "a=b=c", "\u00ff\u00fe", "chunks-2", "chunks-99999999", "chunks-x", "chunks--1", "%FF%FE"];

    private static readonly string[] OddMethods = ["PUT", "DELETE", "PATCH", "OPTIONS", "HEAD", "TRACE", "PROPFIND", "FOO"];

    private static string B64(string text) => Convert.ToBase64String(Encoding.Latin1.GetBytes(text));

    public FuzzRequest Generate(int seed, int index)
    {
        var random = new Random(unchecked((seed * 1_000_003) + index));
        var endpoints = Endpoints();
        var endpoint = endpoints[random.Next(endpoints.Length)];
        var draft = new Draft { Method = endpoint.Method, Path = endpoint.Path, Kind = endpoint.Kind, Json = endpoint.JsonBody };
        var query = draft.Path.IndexOf('?', StringComparison.Ordinal);
        if (query >= 0)
        {
            draft.Query.AddRange(Split(draft.Path[(query + 1)..]));
            draft.Path = draft.Path[..query];
        }

        draft.Parameters.AddRange(Split(endpoint.Parameters));
        draft.ContentType = endpoint.Kind switch { Kind.Form => Form, Kind.Json => Json, _ => null };
        OpenDoor(random, endpoint.Door, draft);

        var mutators = Mutators();
        var count = 1 + random.Next(3);
        for (var i = 0; i < count; i++)
        {
            var (name, mutate) = mutators[random.Next(mutators.Length)];
            draft.Mutations.Add(name + ":" + mutate(random, draft));
        }

        if (endpoint.Changes && draft.Headers.Any(h => h.Key == "Authorization" && h.Value.Contains(credentials.AdminAccessToken, StringComparison.Ordinal)))
        {
            // A readable body with the admin's token could be a legitimate change, not bad input.
            draft.Mutations.Add("unreadable json:" + BreakJson(random, draft, unreadable: true));
        }

        return Render(index, draft);
    }

    private void OpenDoor(Random random, Door door, Draft draft)
    {
        var valid = random.NextDouble() < 0.7;
        switch (door)
        {
            case Door.ClientBasic when valid:
                draft.Headers.Add(new("Authorization", "Basic " + B64(Infrastructure.IdpHost.AppClientId + ":" + Infrastructure.IdpHost.AppSecret)));
                break;
            case Door.MachineBasic when valid:
                draft.Headers.Add(new("Authorization", "Basic " + B64(Infrastructure.IdpHost.MachineClientId + ":" + Infrastructure.IdpHost.MachineSecret)));
                break;
            case Door.UserBearer when valid:
                draft.Headers.Add(new("Authorization", "Bearer " + credentials.UserAccessToken));
                break;
            case Door.AdminBearer when valid:
                draft.Headers.Add(new("Authorization", "Bearer " + credentials.AdminAccessToken));
                break;
            case Door.RazorPost or Door.RazorPostWithSession:
                var session = door == Door.RazorPostWithSession && random.NextDouble() < 0.8;
                if (session)
                {
                    draft.Cookies.Add(SessionCookie());
                }

                if (!HttpMethods.IsPost(draft.Method))
                {
                    break;
                }

                // Without a valid antiforgery token a POST never reaches model binding: most get one.
                var (cookie, token) = session
                    ? (credentials.SessionAntiforgeryCookie, credentials.SessionAntiforgeryToken)
                    : (credentials.AnonymousAntiforgeryCookie, credentials.AnonymousAntiforgeryToken);
                switch (random.Next(6))
                {
                    case 0:
                        draft.Mutations.Add("antiforgery:none");
                        break;
                    case 1:
                        draft.Cookies.Add(cookie);
                        draft.Form.Add(new("__RequestVerificationToken", "CfDJ8garbage"));
                        draft.Mutations.Add("antiforgery:garbage token");
                        break;
                    case 2:
                        draft.Cookies.Add(cookie);
                        draft.Headers.Add(new("RequestVerificationToken", token));
                        draft.Mutations.Add("antiforgery:header");
                        break;
                    default:
                        draft.Cookies.Add(cookie);
                        draft.Form.Add(new("__RequestVerificationToken", Uri.EscapeDataString(token)));
                        break;
                }

                break;
        }
    }

    private string SessionCookie() => credentials.SessionCookie;

    private (string Name, Func<Random, Draft, string> Mutate)[] Mutators() =>
    [
        ("value", (random, draft) =>
        {
            var bad = Pick(random, BadSequences);
            var parameters = draft.Parameters;
            if (parameters.Count == 0)
            {
                parameters.Add(new("x", ""));
            }

            var at = random.Next(parameters.Count);
            var (key, value) = parameters[at];
            var position = random.Next(value.Length + 1);
            parameters[at] = new(key, random.Next(3) == 0 ? bad : value.Insert(position, bad));
            return $"{key} gets {Visible(bad)}";
        }),
        ("query", (random, draft) =>
        {
            var bad = Pick(random, BadSequences);
            draft.Query.Add(new(Pick(random, ["client_id", "returnUrl", "state", "code", "q", "status", "reason", "handler", "iss", "sid", "limit", "from", "x"]), bad));
            return Visible(bad);
        }),
        ("key", (random, draft) =>
        {
            var key = Pick(random, BadKeys);
            var parameters = random.Next(3) == 0 ? draft.Query : draft.Parameters;
            parameters.Insert(random.Next(parameters.Count + 1), new(key, random.Next(2) == 0 ? "x" : ""));
            return Visible(key);
        }),
        ("repeat", (random, draft) =>
        {
            var parameters = draft.Parameters;
            if (parameters.Count == 0)
            {
                parameters.Add(new("returnUrl", "%2F"));
            }

            var repeated = parameters[random.Next(parameters.Count)];
            var times = random.Next(2) == 0 ? 1 : random.Next(2, 200);
            for (var i = 0; i < times; i++)
            {
                parameters.Add(new(repeated.Key, random.Next(2) == 0 ? repeated.Value : ""));
            }

            return $"{repeated.Key} x{times + 1}";
        }),
        ("empty", (random, draft) =>
        {
            var parameters = draft.Parameters;
            var shape = random.Next(4);
            parameters.Add(shape switch { 0 => new("", ""), 1 => new("", "x"), 2 => new("x", ""), _ => new("&&", "") });
            if (parameters.Count > 1 && random.Next(2) == 0)
            {
                var at = random.Next(parameters.Count);
                parameters[at] = new(parameters[at].Key, "");
                return $"shape {shape}, {parameters[at].Key} emptied";
            }

            return $"shape {shape}";
        }),
        ("huge", (random, draft) =>
        {
            var size = Pick(random, [5_000, 70_000, 300_000]);
            var filler = new string(Pick(random, ['A', '%', '[', '0']), size);
            if (random.Next(3) == 0)
            {
                // Kestrel refuses a request line over 8 KB itself (414).
                draft.Query.Add(new(random.Next(2) == 0 ? "x" : filler[..3_000], filler[..4_000]));
                return "query value 4000";
            }

            var parameters = draft.Parameters;
            if (parameters.Count == 0)
            {
                parameters.Add(new("x", ""));
            }

            // In a query only what fits Kestrel's 8 KB request line.
            var value = draft.Kind == Kind.Form ? filler : filler[..Math.Min(size, 4_000)];
            var at = random.Next(parameters.Count);
            parameters[at] = new(parameters[at].Key, value);
            return $"{parameters[at].Key} {value.Length} x '{filler[0]}'";
        }),
        ("many", (random, draft) =>
        {
            var count = draft.Kind == Kind.Form ? Pick(random, [1_000, 5_000]) : 500;
            for (var i = 0; i < count; i++)
            {
                draft.Parameters.Add(new("k" + i, "v"));
            }

            return count.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }),
        ("content-type", (random, draft) =>
        {
            draft.ContentType = Pick(random, BadContentTypes);
            if (draft.Kind == Kind.None)
            {
                draft.Kind = Kind.Form;
                draft.Form.Add(new("x", "y"));
            }

            return Visible(draft.ContentType);
        }),
        ("body", (random, draft) =>
        {
            // A body that is not what its content type says.
            draft.BrokenBody = true;
            var choice = random.Next(5);
            draft.Raw = choice switch
            {
                0 => Encoding.UTF8.GetBytes("{\"client_id\":\"x\",\"grant_type\":\"client_credentials\",\"token\":\"x\"}"),
                1 => Encoding.UTF8.GetBytes(new string('[', 5000) + new string(']', 5000)),
                2 => [0x00, 0xFF, 0xFE, 0x00, 0x3D, 0x26, 0x00],
                3 => Encoding.UTF8.GetBytes("--x\r\nContent-Disposition: form-data; name=\"a[\"\r\n\r\nv\r\n--x--"),
                _ => Encoding.UTF8.GetBytes("<xml><token>x</token></xml>"),
            };
            draft.ContentType ??= Form;
            return $"shape {choice} as {draft.ContentType}";
        }),
        ("json", (random, draft) => BreakJson(random, draft)),
        ("forwarded-proto", (random, draft) => Header(draft, "X-Forwarded-Proto", Pick(random, BadForwardedProto))),
        ("forwarded-for", (random, draft) => Header(draft, "X-Forwarded-For", Pick(random, BadForwardedFor))),
        ("forwarded-host", (random, draft) => Header(draft, "X-Forwarded-Host", Pick(random, BadHosts))),
        ("host", (random, draft) => Header(draft, "Host", Pick(random, BadHosts))),
        ("cookie", (random, draft) =>
        {
            var shape = random.Next(5);
            var cookie = shape switch
            {
                0 => "big=" + new string('c', Pick(random, [4_000, 30_000])), // Kestrel refuses headers over 32 KB itself (431)
                1 => Pick(random, [";;;", "=", "a", "\"", "=x", "a=\"b", "a;b;c", "a=b; a=c", ";", " ; ; "]),
                2 => Pick(random, IdpCookies) + "=" + Pick(random, BadCookieValues),
                3 => Pick(random, IdpCookies) + "C1=" + Pick(random, BadCookieValues),
                _ => string.Join("; ", Enumerable.Range(0, 300).Select(i => $"c{i}=v")),
            };
            draft.Cookies.Add(cookie);
            return Visible(cookie.Length > 60 ? cookie[..60] + "..." : cookie);
        }),
        ("authorization", (random, draft) =>
        {
            draft.Headers.RemoveAll(h => h.Key == "Authorization");
            var value = Pick(random, BadAuthorization);
            draft.Headers.Add(new("Authorization", value));
            if (random.Next(4) == 0)
            {
                draft.Headers.Add(new("Authorization", "Bearer " + credentials.AdminAccessToken));
            }

            return Visible(value.Length > 40 ? value[..40] : value);
        }),
        ("header", (random, draft) =>
        {
            var (name, value) = Pick(random, new KeyValuePair<string, string>[]
            {
                new("Accept", "\u00ff/\u00ff"), new("Accept", "application/json;q=x"), new("Accept-Language", "%00;q=-1"), new("Accept-Charset", "utf-7"),
                new("Origin", "null"), new("Origin", "https://evil.test"), new("Referer", "%00"), new("Content-Length", "-1"), new("Transfer-Encoding", "chunked"),
                new("Content-Encoding", "gzip"), new("Content-Encoding", "br"), new("If-None-Match", "\"\u00ff\""), new("If-Modified-Since", "not a date"),
                new("Range", "bytes=9-1"), new("Range", "bytes=-99999999999999999999"), new("Expect", "100-continue"), new("X-HTTP-Method-Override", "DELETE"),
                new("X-Forwarded-Prefix", "/%00"), new("Forwarded", "for=\"[::1\";proto=gopher"), new("User-Agent", new string('u', 20_000)),
                new("Sec-Fetch-Site", "cross-site"), new("X-Requested-With", "XMLHttpRequest"), new("DPoP", "x.y.z"),
            });
            return Header(draft, name, value);
        }),
        ("method", (random, draft) =>
        {
            draft.Method = Pick(random, OddMethods);
            return draft.Method;
        }),
        ("path", (random, draft) =>
        {
            var shape = random.Next(8);
            draft.Path = shape switch
            {
                0 => draft.Path + "/",
                1 => draft.Path + "%01", // %00 in a path: Kestrel answers 400 itself (TestServer throws instead)
                2 => draft.Path.Replace("/", "//", StringComparison.Ordinal),
                3 => draft.Path + "/..%2F..%2Fappsettings.json",
                4 => draft.Path.ToUpperInvariant(),
                5 => draft.Path + ";jsessionid=x",
                6 => draft.Path + "/%C0%AE%C0%AE/",
                _ => draft.Path + "%2F%5C",
            };
            return draft.Path;
        }),
    ];

    private static string BreakJson(Random random, Draft draft, bool unreadable = false)
    {
        draft.BrokenBody = true;
        var json = unreadable || random.Next(2) == 0 ? Pick(random, UnreadableJson) : Pick(random, WrongJson);
        if (draft.Json is { Length: > 2 } original && random.Next(3) == 0)
        {
            // Cut a well-formed body anywhere.
            json = original[..random.Next(1, original.Length - 1)];
        }

        draft.Json = json;
        draft.Kind = Kind.Json;
        draft.Raw = null;
        draft.ContentType ??= Json;
        return Visible(json.Length > 60 ? json[..60] : json);
    }

    private static string Header(Draft draft, string name, string value)
    {
        draft.Headers.Add(new(name, value));
        return Visible(value.Length > 60 ? value[..60] + "..." : value);
    }

    private static FuzzRequest Render(int index, Draft draft)
    {
        var target = draft.Path + (draft.Query.Count == 0 ? "" : "?" + Join(draft.Query));
        byte[]? body = draft.Raw;
        if (body is null && draft.Kind == Kind.Json)
        {
            body = Encoding.Latin1.GetBytes(draft.Json ?? "");
        }
        else if (body is null && draft.Kind == Kind.Form && (draft.Form.Count > 0 || HttpMethods.IsPost(draft.Method)))
        {
            body = Encoding.Latin1.GetBytes(Join(draft.Form));
        }

        var headers = new List<KeyValuePair<string, string>>(draft.Headers);
        if (draft.Cookies.Count > 0)
        {
            headers.Add(new("Cookie", string.Join("; ", draft.Cookies)));
        }

        return new FuzzRequest(index, draft.Method, target, headers, body, body is null ? null : draft.ContentType, draft.Mutations);
    }

    private static string Join(IEnumerable<KeyValuePair<string, string>> parameters) => string.Join('&', parameters.Select(p => p.Key + "=" + p.Value));

    private static IEnumerable<KeyValuePair<string, string>> Split(string parameters) =>
        parameters.Length == 0 ? [] : parameters.Split('&').Select(p => p.Split('=', 2)).Select(p => new KeyValuePair<string, string>(p[0], p.Length > 1 ? p[1] : ""));

    private static T Pick<T>(Random random, IReadOnlyList<T> items) => items[random.Next(items.Count)];

    private static string Visible(string text)
    {
        var builder = new StringBuilder();
        foreach (var c in text)
        {
            builder.Append(c is < ' ' or (>= '\u007f' and <= '\u00ff' and < '\u00a0') ? $"\\x{(int)c:X2}" : c.ToString());
        }

        return builder.ToString();
    }
}
