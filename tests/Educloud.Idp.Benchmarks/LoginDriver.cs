using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.WebUtilities;

namespace Educloud.Idp.Benchmarks;

/// <summary>What one whole login did: the refresh token it ended with, and how many HTTP requests it took.</summary>
public sealed record LoginOutcome(string RefreshToken, int Requests, bool Enrolled);

/// <summary>
/// Logs a person in the way a browser would (authorize, login page, ID-porten simulator, callback,
/// authenticator set-up or one-time code, back to authorize; at the peer: authorize, its login form
/// with account and code, back to authorize) and redeems the code for tokens, with
/// a fresh cookie jar each time. Cookies are kept by hand (name → value, one site), which is all
/// these flows need. With <paramref name="viaProxy"/> every request goes over plain HTTP with Host
/// and X-Forwarded-Proto, the way a TLS-terminating proxy forwards it; otherwise over HTTPS.
/// </summary>
public sealed partial class LoginDriver(HttpClient http, bool viaProxy)
{
    private const int MaxSteps = 20;

    private readonly ConcurrentDictionary<int, StepTiming> timings = new();
    private int stepWaits;

    /// <summary>Times a login had to wait for a new time step before typing its code (the person had typed one in this step already).</summary>
    public int StepWaits => Volatile.Read(ref stepWaits);

    /// <summary>Time spent in each request of a login, by its place in the flow, since <see cref="ResetTimings"/> (a copy).</summary>
    public IReadOnlyList<StepMean> Timings => [.. timings.OrderBy(t => t.Key).Select(t => new StepMean(t.Value.Number, t.Value.Request, t.Value.Count, t.Value.MeanMilliseconds))];

    public void ResetTimings() => timings.Clear();

    /// <summary>
    /// Logs <paramref name="person"/> in at <paramref name="idp"/> (every request of the login goes
    /// to that replica). Someone without an authenticator sets one up on the way
    /// (the key is read from the page and kept on the person); everyone then types the current code,
    /// computed here, in a time step after the one they last used (waiting for it if need be).
    /// </summary>
    public async Task<LoginOutcome> LogInAsync(IOidcServer idp, Person person, CancellationToken cancellationToken)
    {
        var cookies = new Dictionary<string, string>(StringComparer.Ordinal);
        var verifier = Base64Url(RandomNumberGenerator.GetBytes(32));
        var challenge = Base64Url(SHA256.HashData(Encoding.ASCII.GetBytes(verifier)));
        var state = Base64Url(RandomNumberGenerator.GetBytes(16));
        var authorize = new Dictionary<string, string?>
        {
            ["client_id"] = IdpProcess.AppClientId,
            ["redirect_uri"] = IdpProcess.RedirectUri,
            ["response_type"] = "code",
            ["scope"] = "openid offline_access",
            ["state"] = state,
            ["nonce"] = Base64Url(RandomNumberGenerator.GetBytes(16)),
            ["code_challenge"] = challenge,
            ["code_challenge_method"] = "S256",
        };
        foreach (var (name, value) in idp.AuthorizeParameters)
        {
            authorize[name] = value;
        }

        var page = new Uri(QueryHelpers.AddQueryString(new Uri(idp.Origin, idp.AuthorizePath).AbsoluteUri, authorize));

        var method = HttpMethod.Get;
        HttpContent? content = null;
        var enrolled = false;
        for (var step = 0; step < MaxSteps; step++)
        {
            var started = Stopwatch.GetTimestamp();
            using var response = await SendAsync(idp, method, page, content, cookies, cancellationToken);
            var status = (int)response.StatusCode;
            if (status is >= 300 and < 400 && response.Headers.Location is { } location)
            {
                Time(step, method, page, started);
                var next = location.IsAbsoluteUri ? location : new Uri(page, location);
                if (next.AbsoluteUri.StartsWith(IdpProcess.RedirectUri + "?", StringComparison.Ordinal))
                {
                    var query = QueryHelpers.ParseQuery(next.Query);
                    if (query["state"] != state || string.IsNullOrEmpty(query["code"]))
                    {
                        throw new InvalidOperationException($"The authorization response is not a code for this request: {next}");
                    }

                    var redeemStarted = Stopwatch.GetTimestamp();
                    var refreshToken = await RedeemAsync(idp, query["code"]!, verifier, cancellationToken);
                    Time(step + 1, HttpMethod.Post, new Uri(idp.Origin, idp.TokenPath), redeemStarted);
                    return new LoginOutcome(refreshToken, step + 2, enrolled);
                }

                (method, page, content) = (HttpMethod.Get, next, null);
                continue;
            }

            var body = await response.Content.ReadAsStringAsync(cancellationToken);
            Time(step, method, page, started);
            if (status != 200)
            {
                throw new InvalidOperationException($"Login step {method} {page} answered {status}:\n{body}");
            }

            // The second factor: a new person is shown an authenticator key to set up (enrollment),
            // and then, like everyone, types the current code.
            if (SecretPattern().Match(body) is { Success: true } secret)
            {
                person.Secret = secret.Groups["secret"].Value.Replace(" ", "", StringComparison.Ordinal);
                person.LastStep = -1;
                enrolled = true;
            }

            string? code = null;
            if (body.Contains("name=\"code\"", StringComparison.Ordinal))
            {
                code = await CurrentCodeAsync(person, page, cancellationToken);
            }

            (method, page, content) = FormSubmission(page, body, idp.PersonFields(person.Pid), code);
        }

        throw new InvalidOperationException($"The login did not finish within {MaxSteps} steps.");
    }

    /// <summary>The code of the current step; a person who typed one in this step already waits for the next (at most 30 s).</summary>
    private async Task<string> CurrentCodeAsync(Person person, Uri page, CancellationToken cancellationToken)
    {
        if (person.Secret is null)
        {
            throw new InvalidOperationException($"Asked for a one-time code before any authenticator was set up: {page}");
        }

        var wait = Rfc6238.UntilStepAfter(person.LastStep);
        if (wait > TimeSpan.Zero)
        {
            Interlocked.Increment(ref stepWaits);
            await Task.Delay(wait, cancellationToken);
        }

        var now = Math.Max(Rfc6238.CurrentStep(), person.LastStep + 1);
        person.LastStep = now;
        return Rfc6238.Code(person.Secret, now);
    }

    private async Task<string> RedeemAsync(IOidcServer idp, string code, string verifier, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, Target(idp, new Uri(idp.Origin, idp.TokenPath)))
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["grant_type"] = "authorization_code",
                ["code"] = code,
                ["code_verifier"] = verifier,
                ["redirect_uri"] = IdpProcess.RedirectUri,
            }),
        };
        request.Headers.Authorization = BasicAuthentication(IdpProcess.AppClientId, idp.AppSecret);
        AsBehindProxy(idp, request);
        using var response = await http.SendAsync(request, cancellationToken);
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        using var json = JsonDocument.Parse(body);
        return response.IsSuccessStatusCode && json.RootElement.TryGetProperty("refresh_token", out var token)
            ? token.GetString()!
            : throw new InvalidOperationException($"Code redemption answered {(int)response.StatusCode}: {body}");
    }

    public static AuthenticationHeaderValue BasicAuthentication(string clientId, string secret) =>
        // RFC 6749 2.3.1: both parts form-urlencoded before base64.
        new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(Uri.EscapeDataString(clientId) + ":" + Uri.EscapeDataString(secret))));

    /// <summary>Where a request for a page of the IdP really goes: its plain HTTP port when it stands in for a proxy.</summary>
    private Uri Target(IOidcServer idp, Uri page) =>
        viaProxy && page.Scheme == Uri.UriSchemeHttps && page.Authority == idp.Origin.Authority
            ? new Uri(idp.PlainOrigin, page.PathAndQuery)
            : page;

    private void AsBehindProxy(IOidcServer idp, HttpRequestMessage request)
    {
        if (viaProxy && request.RequestUri!.Authority == idp.PlainOrigin.Authority)
        {
            request.Headers.Host = idp.Origin.Authority;
            request.Headers.Add("X-Forwarded-Proto", "https");
        }
    }

    private async Task<HttpResponseMessage> SendAsync(IOidcServer idp, HttpMethod method, Uri page, HttpContent? content, Dictionary<string, string> cookies, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, Target(idp, page)) { Content = content };
        AsBehindProxy(idp, request);
        if (cookies.Count > 0)
        {
            request.Headers.Add("Cookie", string.Join("; ", cookies.Select(c => c.Key + "=" + c.Value)));
        }

        var response = await http.SendAsync(request, cancellationToken);
        if (response.Headers.TryGetValues("Set-Cookie", out var setCookies))
        {
            foreach (var setCookie in setCookies)
            {
                var pair = setCookie.Split(';', 2)[0];
                var eq = pair.IndexOf('=', StringComparison.Ordinal);
                if (eq <= 0)
                {
                    continue;
                }

                var name = pair[..eq].Trim();
                var value = pair[(eq + 1)..].Trim();
                var expired = setCookie.Contains("expires=Thu, 01 Jan 1970", StringComparison.OrdinalIgnoreCase)
                    || setCookie.Contains("max-age=0", StringComparison.OrdinalIgnoreCase);
                if (expired || value.Length == 0)
                {
                    cookies.Remove(name);
                }
                else
                {
                    cookies[name] = value;
                }
            }
        }

        return response;
    }

    private void Time(int step, HttpMethod method, Uri page, long started)
    {
        var elapsed = Stopwatch.GetTimestamp() - started;
        var timing = timings.GetOrAdd(step, _ => new StepTiming(step + 1, method.Method + " " + page.AbsolutePath));
        timing.Add(elapsed);
    }

    /// <summary>
    /// Submits the page's first form with its own fields (hidden inputs, antiforgery token, checked
    /// radios); on the page that asks who logs in (the IdP's simulator: the person and the level of
    /// assurance; the peer's login form: the account), the server's <paramref name="person"/> fields.
    /// </summary>
    private static (HttpMethod, Uri, HttpContent?) FormSubmission(Uri page, string html, IReadOnlyList<KeyValuePair<string, string>> person, string? code)
    {
        var form = FormPattern().Match(html);
        if (!form.Success)
        {
            throw new InvalidOperationException($"No form on {page}:\n{html}");
        }

        var attributes = form.Groups["attributes"].Value;
        var action = Attribute(attributes, "action");
        var method = Attribute(attributes, "method") ?? "get";
        var fields = new List<KeyValuePair<string, string>>();
        foreach (Match input in InputPattern().Matches(form.Groups["body"].Value))
        {
            var tag = input.Value;
            var name = Attribute(tag, "name");
            var type = Attribute(tag, "type") ?? "text";
            if (string.IsNullOrEmpty(name) || type is "submit" or "button" || (type is "radio" or "checkbox" && !tag.Contains(" checked", StringComparison.Ordinal)))
            {
                continue;
            }

            fields.Add(new(name, Attribute(tag, "value") ?? ""));
        }

        if (person.Count > 0 && (fields.Any(f => f.Key == person[0].Key) || html.Contains($"name=\"{person[0].Key}\"", StringComparison.Ordinal)))
        {
            fields.RemoveAll(f => person.Any(p => p.Key == f.Key));
            fields.AddRange(person);
        }

        if (code is not null)
        {
            fields.RemoveAll(f => f.Key == "code");
            fields.Add(new("code", code));
        }

        var target = string.IsNullOrEmpty(action) ? page : new Uri(page, action);
        if (method.Equals("post", StringComparison.OrdinalIgnoreCase))
        {
            return (HttpMethod.Post, target, new FormUrlEncodedContent(fields));
        }

        return (HttpMethod.Get, new Uri(QueryHelpers.AddQueryString(target.GetLeftPart(UriPartial.Path), fields!)), null);
    }

    private static string? Attribute(string tag, string name)
    {
        var match = Regex.Match(tag, "\\s" + name + "=\"(?<value>[^\"]*)\"", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
        return match.Success ? WebUtility.HtmlDecode(match.Groups["value"].Value) : null;
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    [GeneratedRegex("<code class=\"secret\">(?<secret>[A-Z2-7 =]+)</code>", RegexOptions.CultureInvariant, 1000)]
    private static partial Regex SecretPattern();

    [GeneratedRegex("<form(?<attributes>[^>]*)>(?<body>.*?)</form>", RegexOptions.Singleline | RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, 1000)]
    private static partial Regex FormPattern();

    [GeneratedRegex("<input\\b[^>]*>", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, 1000)]
    private static partial Regex InputPattern();
}

/// <summary>Mean time of one request of the login flow (by its place in the flow) over a run.</summary>
public sealed record StepMean(int Number, string Request, long Count, double MeanMilliseconds);

/// <summary>Count and total time of one request of the login flow (by its place in the flow).</summary>
public sealed class StepTiming(int number, string request)
{
    private long count;
    private long ticks;

    public int Number { get; } = number;

    public string Request { get; } = request;

    public long Count => Interlocked.Read(ref count);

    public double MeanMilliseconds => Count == 0 ? 0 : Interlocked.Read(ref ticks) * 1000.0 / Stopwatch.Frequency / Count;

    public void Add(long elapsedTicks)
    {
        Interlocked.Increment(ref count);
        Interlocked.Add(ref ticks, elapsedTicks);
    }
}
