using System.Net.Http.Headers;
using System.Net;
using System.Text.Json;
using System.Text;
using Educloud.Idp.Tests.Infrastructure;
using Microsoft.AspNetCore.WebUtilities;

namespace Educloud.Idp.Topology.Infrastructure;

/// <summary>The tokens of one login.</summary>
public sealed record Tokens(string AccessToken, string? RefreshToken, string Subject);

/// <summary>
/// One person's browser and the research app behind it, both talking to the IdP through nginx only.
/// Every response is recorded with the replica that answered it (<see cref="Landings"/>).
/// </summary>
public sealed class Visitor : IDisposable
{
    private readonly TopologyFixture topology;
    private readonly HttpClient backchannel;

    public Visitor(TopologyFixture topology, string? pid = null)
    {
        this.topology = topology;
        Pid = pid ?? NewPid();
        Landings = new LandingRecorder(Handlers.Trusting(topology.Ca, Handlers.NextClientAddress()));
        Browser = new TestBrowser { Authenticators = topology.Phones };
        // The IdP and the simulator are both on 127.0.0.1 (nginx's two ports); the apps are elsewhere.
        Browser.AddHost("127.0.0.1", Landings);
        backchannel = new HttpClient(Landings, disposeHandler: false) { BaseAddress = topology.Nginx.IdpOrigin, Timeout = TimeSpan.FromSeconds(30) };
    }

    public string Pid { get; }

    public TestBrowser Browser { get; }

    public LandingRecorder Landings { get; }

    /// <summary>The replicas that answered the IdP's requests, in order (the simulator's are not counted).</summary>
    public IReadOnlyList<string> IdpUpstreams => [.. Landings.Landings.Where(l => l.Upstream is not null).Select(l => l.Upstream!)];

    /// <summary>A TestID-shaped synthetic number (month + 80) of its own, so tests don't share people.</summary>
    public static string NewPid() =>
        $"{Random.Shared.Next(1, 29):D2}{Random.Shared.Next(81, 93):D2}{Random.Shared.Next(0, 100):D2}{Random.Shared.Next(0, 100000):D5}";

    public Uri Idp(string pathAndQuery) => new(topology.Nginx.IdpOrigin, pathAndQuery);

    /// <summary>A whole login for the research app: authorize, ID-porten, enrollment or code, code, token.</summary>
    public async Task<Tokens> LogInAsync(string clientId = TopologyFixture.AppClientId, string scope = "openid profile offline_access")
    {
        var (redirectUri, secret) = clientId == TopologyFixture.ConsoleClientId
            ? (TopologyFixture.ConsoleRedirectUri, topology.ConsoleSecret)
            : (TopologyFixture.AppRedirectUri, topology.AppSecret);
        var pkce = Pkce.New();
        var authorize = AuthorizeUrl(clientId, redirectUri, scope, pkce);
        var page = await Browser.GetAsync(authorize);
        if (page.Address.AbsolutePath == "/account/login")
        {
            page = await AnswerSecondFactorAsync(await ThroughIdPortenAsync(page));
        }

        var left = Browser.LeftTo ?? throw new InvalidOperationException($"The login did not return to the app: {(int)page.Status} {page.Address}\n{page.Body}");
        left.GetLeftPart(UriPartial.Path).Should().Be(redirectUri);
        var code = QueryHelpers.ParseQuery(left.Query)["code"].ToString();
        code.Should().NotBeNullOrEmpty(left.ToString());
        var (status, body) = await TokenAsync(new Dictionary<string, string>
        {
            ["grant_type"] = "authorization_code",
            ["code"] = code,
            ["code_verifier"] = pkce.Verifier,
            ["redirect_uri"] = redirectUri,
        }, clientId, secret);
        status.Should().Be(HttpStatusCode.OK, body.ToString());
        var idToken = body.GetProperty("id_token").GetString()!;
        return new Tokens(
            body.GetProperty("access_token").GetString()!,
            body.TryGetProperty("refresh_token", out var refresh) ? refresh.GetString() : null,
            Subject(idToken));
    }

    /// <summary>A research app's authorization request (code flow, PKCE S256) at the IdP.</summary>
    public string AuthorizeUrl(string clientId, string redirectUri, string scope, Pkce pkce) =>
        QueryHelpers.AddQueryString(Idp("/connect/authorize").AbsoluteUri, new Dictionary<string, string?>
        {
            ["client_id"] = clientId,
            ["redirect_uri"] = redirectUri,
            ["response_type"] = "code",
            ["scope"] = scope,
            ["state"] = Guid.NewGuid().ToString("N"),
            ["nonce"] = Guid.NewGuid().ToString("N"),
            ["code_challenge"] = pkce.Challenge,
            ["code_challenge_method"] = "S256",
        });

    /// <summary>
    /// As far as a login for the research app gets: authorize, the IdP's login page, the simulator's
    /// page; the first page that is none of these (an error page, when something is down).
    /// </summary>
    public async Task<BrowserPage> AttemptLoginAsync()
    {
        var page = await Browser.GetAsync(AuthorizeUrl(TopologyFixture.AppClientId, TopologyFixture.AppRedirectUri, "openid", Pkce.New()));
        if (page.Address.AbsolutePath == "/account/login" && page.Status == HttpStatusCode.OK)
        {
            page = await Browser.SubmitAsync(page);
        }

        if (page.Address.AbsolutePath == "/idporten-sim/authorize" && page.Status == HttpStatusCode.OK)
        {
            page = await Browser.SubmitAsync(page, values: new Dictionary<string, string> { ["sim_pid"] = Pid, ["sim_acr"] = "idporten-loa-substantial" });
        }

        return page;
    }

    /// <summary>From the IdP's login page through the simulator's: the page after ID-porten, not yet answered.</summary>
    public async Task<BrowserPage> ThroughIdPortenAsync(BrowserPage loginPage)
    {
        loginPage.Address.AbsolutePath.Should().Be("/account/login", loginPage.Body);
        var simulator = await Browser.SubmitAsync(loginPage);
        simulator.Address.AbsolutePath.Should().Be("/idporten-sim/authorize", simulator.Body);
        return await Browser.SubmitAsync(simulator, values: new Dictionary<string, string>
        {
            ["sim_pid"] = Pid,
            ["sim_pid_other"] = "",
            ["sim_acr"] = "idporten-loa-substantial",
        });
    }

    /// <summary>Scan and confirm on the enrollment page, or type the next code on the code page (codes computed here, RFC 6238).</summary>
    public async Task<BrowserPage> AnswerSecondFactorAsync(BrowserPage page)
    {
        if (page.Address.AbsolutePath == "/account/enroll" && page.Status == HttpStatusCode.OK)
        {
            var secret = OtpNet.Base32Encoding.ToBytes(page.Document.QuerySelector("code.secret")!.TextContent.Replace(" ", "", StringComparison.Ordinal));
            topology.Phones.Scanned(Pid, secret);
        }
        else if (page.Address.AbsolutePath != "/account/code" || page.Status != HttpStatusCode.OK)
        {
            throw new InvalidOperationException($"Expected the enrollment or code page, got {(int)page.Status} {page.Address}\n{page.Body}");
        }

        var answered = await Browser.SubmitAsync(page, "form[method=post]", new Dictionary<string, string> { ["code"] = topology.Phones.NextCode(Pid, TimeProvider.System) });

        // A first login asks "What should support call you?": skipped (its Skip link goes on).
        return answered.Address.AbsolutePath == "/account/welcome" && answered.Status == HttpStatusCode.OK
            ? await Browser.GetAsync(new Uri(answered.Address, answered.Document.QuerySelector("a#skip")!.GetAttribute("href")).AbsoluteUri)
            : answered;
    }

    public async Task<(HttpStatusCode Status, JsonElement Body)> TokenAsync(IDictionary<string, string> form, string clientId = TopologyFixture.AppClientId, string? secret = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/connect/token") { Content = new FormUrlEncodedContent(form) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(
            Uri.EscapeDataString(clientId) + ":" + Uri.EscapeDataString(secret ?? topology.AppSecret))));
        using var response = await backchannel.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, JsonDocument.Parse(text.Length == 0 ? "{}" : text).RootElement.Clone());
    }

    public Task<(HttpStatusCode Status, JsonElement Body)> RefreshAsync(string refreshToken) =>
        TokenAsync(new Dictionary<string, string> { ["grant_type"] = "refresh_token", ["refresh_token"] = refreshToken });

    /// <summary>A call with a bearer token (the admin API), through nginx.</summary>
    public async Task<(HttpStatusCode Status, string Body)> CallAsync(HttpMethod method, string path, string accessToken, object? json = null)
    {
        using var request = new HttpRequestMessage(method, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        if (json is not null)
        {
            request.Content = System.Net.Http.Json.JsonContent.Create(json);
        }

        using var response = await backchannel.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    public async Task<HttpResponseMessage> PostFormAsync(string path, IDictionary<string, string> form)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new FormUrlEncodedContent(form) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(
            Uri.EscapeDataString(TopologyFixture.AppClientId) + ":" + Uri.EscapeDataString(topology.AppSecret))));
        return await backchannel.SendAsync(request);
    }

    public void Dispose()
    {
        backchannel.Dispose();
        Landings.Dispose();
    }

    /// <summary>The id_token's sub: the IdP's own user id (its signature is the app's business; here it only names the row).</summary>
    private static string Subject(string jwt)
    {
        var payload = jwt.Split('.')[1];
        using var document = JsonDocument.Parse(Microsoft.IdentityModel.Tokens.Base64UrlEncoder.DecodeBytes(payload));
        return document.RootElement.GetProperty("sub").GetString()!;
    }
}
