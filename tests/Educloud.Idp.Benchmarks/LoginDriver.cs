using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.WebUtilities;

namespace Educloud.Idp.Benchmarks;

/// <summary>
/// Logs a person in the way a browser would (authorize, login page, ID-porten simulator, callback,
/// authenticator set-up and one-time code, back to authorize) and redeems the code for tokens.
/// Cookies are kept by hand (name → value, one site), which is all these flows need.
/// </summary>
public sealed partial class LoginDriver(HttpClient http, IdpProcess idp)
{
    private const int MaxSteps = 20;

    public async Task<string> LogInForRefreshTokenAsync(string pid, CancellationToken cancellationToken)
    {
        var cookies = new Dictionary<string, string>(StringComparer.Ordinal);
        var verifier = Base64Url(RandomNumberGenerator.GetBytes(32));
        var challenge = Base64Url(SHA256.HashData(Encoding.ASCII.GetBytes(verifier)));
        var state = Base64Url(RandomNumberGenerator.GetBytes(16));
        var authorize = QueryHelpers.AddQueryString(new Uri(idp.Origin, "/connect/authorize").AbsoluteUri, new Dictionary<string, string?>
        {
            ["client_id"] = IdpProcess.AppClientId,
            ["redirect_uri"] = IdpProcess.RedirectUri,
            ["response_type"] = "code",
            ["scope"] = "openid offline_access",
            ["state"] = state,
            ["nonce"] = Base64Url(RandomNumberGenerator.GetBytes(16)),
            ["code_challenge"] = challenge,
            ["code_challenge_method"] = "S256",
        });

        var request = new HttpRequestMessage(HttpMethod.Get, authorize);
        string? totpSecret = null;
        long lastStep = -1;
        for (var step = 0; step < MaxSteps; step++)
        {
            using var response = await SendAsync(request, cookies, cancellationToken);
            request.Dispose();
            var status = (int)response.StatusCode;
            if (status is >= 300 and < 400 && response.Headers.Location is { } location)
            {
                var next = location.IsAbsoluteUri ? location : new Uri(request.RequestUri!, location);
                if (next.AbsoluteUri.StartsWith(IdpProcess.RedirectUri + "?", StringComparison.Ordinal))
                {
                    var query = QueryHelpers.ParseQuery(next.Query);
                    if (query["state"] != state || string.IsNullOrEmpty(query["code"]))
                    {
                        throw new InvalidOperationException($"The authorization response is not a code for this request: {next}");
                    }

                    return await RedeemAsync(query["code"]!, verifier, cancellationToken);
                }

                request = new HttpRequestMessage(HttpMethod.Get, next);
                continue;
            }

            var body = await response.Content.ReadAsStringAsync(cancellationToken);
            if (status != 200)
            {
                throw new InvalidOperationException($"Login step {request.RequestUri} answered {status}:\n{body}");
            }

            // The second factor: a new person is shown an authenticator key to set up (enrollment),
            // and then, like everyone, types the current code. A code is accepted once: a second
            // code in the same 30 s step waits for the next step.
            if (SecretPattern().Match(body) is { Success: true } secret)
            {
                totpSecret = secret.Groups["secret"].Value.Replace(" ", "", StringComparison.Ordinal);
            }

            string? code = null;
            if (body.Contains("name=\"code\"", StringComparison.Ordinal))
            {
                if (totpSecret is null)
                {
                    throw new InvalidOperationException($"Asked for a one-time code before any authenticator was set up: {request.RequestUri}");
                }

                var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds() / 30;
                if (now <= lastStep)
                {
                    await Task.Delay(TimeSpan.FromSeconds(((lastStep + 1) * 30) - DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 0.2), cancellationToken);
                    now = lastStep + 1;
                }

                lastStep = now;
                code = Totp(totpSecret, now);
            }

            request = FormSubmission(request.RequestUri!, body, pid, code);
        }

        throw new InvalidOperationException($"The login did not finish within {MaxSteps} steps.");
    }

    private async Task<string> RedeemAsync(string code, string verifier, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(idp.Origin, "/connect/token"))
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

    private async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, Dictionary<string, string> cookies, CancellationToken cancellationToken)
    {
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

    /// <summary>
    /// Submits the page's first form with its own fields (hidden inputs, antiforgery token, checked
    /// radios); on the simulator's page, picks the person and the level of assurance.
    /// </summary>
    private static HttpRequestMessage FormSubmission(Uri page, string html, string pid, string? code)
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

        if (fields.Any(f => f.Key == "sim_pid") || html.Contains("name=\"sim_pid\"", StringComparison.Ordinal))
        {
            fields.RemoveAll(f => f.Key is "sim_pid" or "sim_pid_other" or "sim_acr");
            fields.Add(new("sim_pid", pid));
            fields.Add(new("sim_pid_other", ""));
            fields.Add(new("sim_acr", "idporten-loa-substantial"));
        }

        if (code is not null)
        {
            fields.RemoveAll(f => f.Key == "code");
            fields.Add(new("code", code));
        }

        var target = string.IsNullOrEmpty(action) ? page : new Uri(page, action);
        if (method.Equals("post", StringComparison.OrdinalIgnoreCase))
        {
            return new HttpRequestMessage(HttpMethod.Post, target) { Content = new FormUrlEncodedContent(fields) };
        }

        return new HttpRequestMessage(HttpMethod.Get, QueryHelpers.AddQueryString(target.GetLeftPart(UriPartial.Path), fields!));
    }

    private static string? Attribute(string tag, string name)
    {
        var match = Regex.Match(tag, "\\s" + name + "=\"(?<value>[^\"]*)\"", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
        return match.Success ? WebUtility.HtmlDecode(match.Groups["value"].Value) : null;
    }

    /// <summary>RFC 6238 with the IdP's defaults: HMAC-SHA1, 6 digits, 30 s steps (RFC 4226 5.3 truncation).</summary>
    public static string Totp(string base32Secret, long step)
    {
        Span<byte> counter = stackalloc byte[8];
        System.Buffers.Binary.BinaryPrimitives.WriteInt64BigEndian(counter, step);
#pragma warning disable CA5350 // HMAC-SHA1 is what RFC 6238 and the authenticator apps use.
        var hash = HMACSHA1.HashData(Base32(base32Secret), counter);
#pragma warning restore CA5350
        var offset = hash[^1] & 0x0f;
        var binary = ((hash[offset] & 0x7f) << 24) | (hash[offset + 1] << 16) | (hash[offset + 2] << 8) | hash[offset + 3];
        return (binary % 1_000_000).ToString("D6", System.Globalization.CultureInfo.InvariantCulture);
    }

    private static byte[] Base32(string text)
    {
        const string Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
        var bytes = new List<byte>(text.Length * 5 / 8);
        int buffer = 0, bits = 0;
        foreach (var c in text.TrimEnd('=').ToUpperInvariant())
        {
            var value = Alphabet.IndexOf(c, StringComparison.Ordinal);
            if (value < 0)
            {
                throw new FormatException($"'{c}' is not base32.");
            }

            buffer = (buffer << 5) | value;
            bits += 5;
            if (bits >= 8)
            {
                bits -= 8;
                bytes.Add((byte)(buffer >> bits));
                buffer &= (1 << bits) - 1;
            }
        }

        return [.. bytes];
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    [GeneratedRegex("<code class=\"secret\">(?<secret>[A-Z2-7 =]+)</code>", RegexOptions.CultureInvariant, 1000)]
    private static partial Regex SecretPattern();

    [GeneratedRegex("<form(?<attributes>[^>]*)>(?<body>.*?)</form>", RegexOptions.Singleline | RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, 1000)]
    private static partial Regex FormPattern();

    [GeneratedRegex("<input\\b[^>]*>", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, 1000)]
    private static partial Regex InputPattern();
}
