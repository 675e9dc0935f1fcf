using System.Buffers.Text;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace Educloud.IdPortenSimulator.Tests;

/// <summary>
/// A TestServer host with the simulator mapped, one secret client and one private_key_jwt client
/// (RSA, registered under <see cref="JwtKeyId"/>); back-channel logout POSTs are captured in <see cref="BackChannel"/>.
/// </summary>
public sealed partial class SimulatorHost : IAsyncDisposable
{
    public const string Issuer = "https://localhost/idporten-sim";
    public const string ClientId = "test-client";

    // Characters that RFC 6749 2.3.1 makes the client form-urlencode in the Basic header.
    public const string ClientSecret = "s3cret: with+special/chars";
    public const string JwtClientId = "jwt-client";
    public const string RedirectUri = "https://rp.example/callback";
    public const string PostLogoutRedirectUri = "https://rp.example/logged-out";
    public const string FrontChannelLogoutUri = "https://rp.example/frontchannel-logout";
    public const string BackChannelLogoutUri = "https://rp.example/backchannel-logout";
    public const string JwtKeyId = "jwt-client-key-1";

    private readonly WebApplication app;

    private SimulatorHost(WebApplication app, RSA clientKey, FakeTimeProvider time, CapturingHandler backChannel)
    {
        this.app = app;
        ClientKey = clientKey;
        Time = time;
        BackChannel = backChannel;
        Client = app.GetTestClient();
        Client.BaseAddress = new Uri("https://localhost/");
    }

    public FakeTimeProvider Time { get; }

    public HttpClient Client { get; }

    public RSA ClientKey { get; }

    public CapturingHandler BackChannel { get; }

    public IdPortenSimulatorFaults Faults => app.Services.GetRequiredService<IdPortenSimulatorFaults>();

    public IdPortenSimulatorSessions Sessions => app.Services.GetRequiredService<IdPortenSimulatorSessions>();

    // Made once and never disposed: RSA key generation is slow, and Microsoft.IdentityModel caches
    // signature providers by key thumbprint across hosts, so a disposed copy would be met again.
    private static readonly Lazy<RSA> SharedClientKey = new(() => RSA.Create(2048));

    public static async Task<SimulatorHost> StartAsync(Action<IdPortenSimulatorOptions>? configure = null)
    {
        var clientKey = SharedClientKey.Value;
        var backChannel = new CapturingHandler();
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 3, 2, 10, 0, 0, TimeSpan.Zero));
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseTestServer();
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton<TimeProvider>(time);
        builder.Services.AddIdPortenSimulator(options =>
        {
            var client = new SimulatedClient { ClientId = ClientId, ClientSecret = ClientSecret, FrontChannelLogoutUri = FrontChannelLogoutUri, BackChannelLogoutUri = BackChannelLogoutUri };
            client.RedirectUris.Add(RedirectUri);
            client.PostLogoutRedirectUris.Add(PostLogoutRedirectUri);
            options.Clients.Add(client);
            var jwtClient = new SimulatedClient { ClientId = JwtClientId, PublicKeyPem = clientKey.ExportSubjectPublicKeyInfoPem(), KeyId = JwtKeyId };
            jwtClient.RedirectUris.Add(RedirectUri);
            options.Clients.Add(jwtClient);
            configure?.Invoke(options);
        });
        builder.Services.AddHttpClient("Educloud.IdPortenSimulator.BackChannelLogout").ConfigurePrimaryHttpMessageHandler(() => backChannel);
        var app = builder.Build();
        app.MapIdPortenSimulator();
        await app.StartAsync();
        return new SimulatorHost(app, clientKey, time, backChannel);
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await app.DisposeAsync();
    }

    /// <summary>Answers 200 to every request and keeps the form bodies it got (the back-channel logout POSTs).</summary>
    public sealed class CapturingHandler : HttpMessageHandler
    {
        public System.Collections.Concurrent.ConcurrentQueue<(Uri Uri, Dictionary<string, string> Form)> Requests { get; } = new();

        public HttpStatusCode Status { get; set; } = HttpStatusCode.OK;

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var body = request.Content is null ? "" : await request.Content.ReadAsStringAsync(cancellationToken);
            Requests.Enqueue((request.RequestUri!, QueryHelpers.ParseQuery(body).ToDictionary(p => p.Key, p => p.Value.ToString())));
            return new HttpResponseMessage(Status);
        }
    }

    public static string NewVerifier() => Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(48));

    public static string Challenge(string verifier) => Base64Url.EncodeToString(SHA256.HashData(Encoding.ASCII.GetBytes(verifier)));

    /// <summary>A valid authorization request; a null value in <paramref name="changes"/> removes that parameter.</summary>
    public static Dictionary<string, string> AuthorizeParameters(string verifier, string clientId = ClientId, Dictionary<string, string?>? changes = null)
    {
        var parameters = new Dictionary<string, string>
        {
            ["client_id"] = clientId,
            ["redirect_uri"] = RedirectUri,
            ["response_type"] = "code",
            ["scope"] = "openid profile",
            ["state"] = "state-123",
            ["nonce"] = "nonce-456",
            ["code_challenge"] = Challenge(verifier),
            ["code_challenge_method"] = "S256",
            ["acr_values"] = "idporten-loa-substantial",
            ["ui_locales"] = "en nb",
        };
        foreach (var (key, value) in changes ?? [])
        {
            if (value is null)
            {
                parameters.Remove(key);
            }
            else
            {
                parameters[key] = value;
            }
        }

        return parameters;
    }

    public Task<HttpResponseMessage> GetAuthorizeAsync(Dictionary<string, string> parameters, string? cookie = null) =>
        GetAsync(QueryHelpers.AddQueryString("/idporten-sim/authorize", parameters!), cookie);

    /// <summary>A GET as a browser holding <paramref name="cookie"/> (the simulator's session cookie, "name=value") would send it.</summary>
    public async Task<HttpResponseMessage> GetAsync(string path, string? cookie)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (cookie is not null)
        {
            request.Headers.Add("Cookie", cookie);
        }

        return await Client.SendAsync(request);
    }

    /// <summary>The simulator's session cookie ("name=value") that a response set, if any.</summary>
    public static string? SessionCookie(HttpResponseMessage response) =>
        response.Headers.TryGetValues("Set-Cookie", out var values)
            ? values.Select(v => v.Split(';')[0]).FirstOrDefault(v => v.StartsWith("idporten-sim-session=", StringComparison.Ordinal) && v.Length > "idporten-sim-session=".Length)
            : null;

    /// <summary>GET /authorize, then submits the page's form as a browser would; returns the POST's response.</summary>
    public async Task<HttpResponseMessage> LoginAsync(Dictionary<string, string> parameters, string? pid = null, string acr = "idporten-loa-substantial", string? cookie = null)
    {
        using var page = await GetAuthorizeAsync(parameters, cookie);
        page.StatusCode.Should().Be(HttpStatusCode.OK);
        var form = HiddenFields(await page.Content.ReadAsStringAsync());
        form["sim_pid"] = pid ?? SyntheticPersons.All[0].Pid;
        form["sim_acr"] = acr;
        return await PostFormAsync("/idporten-sim/authorize", form, cookie);
    }

    /// <summary>Logs in and returns the code from the redirect back.</summary>
    public async Task<string> GetCodeAsync(Dictionary<string, string> parameters, string? pid = null, string acr = "idporten-loa-substantial")
    {
        using var response = await LoginAsync(parameters, pid, acr);
        response.StatusCode.Should().Be(HttpStatusCode.Redirect);
        return RedirectParameters(response)["code"];
    }

    public static Dictionary<string, string> RedirectParameters(HttpResponseMessage response) =>
        QueryHelpers.ParseQuery(response.Headers.Location!.Query).ToDictionary(p => p.Key, p => p.Value.ToString());

    public static Dictionary<string, string> HiddenFields(string html) =>
        HiddenField().Matches(html).ToDictionary(m => m.Groups[1].Value, m => WebUtility.HtmlDecode(m.Groups[2].Value));

    public async Task<HttpResponseMessage> RedeemWithBasicAsync(string code, string verifier, string secret = ClientSecret)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/idporten-sim/token")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["grant_type"] = "authorization_code",
                ["code"] = code,
                ["redirect_uri"] = RedirectUri,
                ["code_verifier"] = verifier,
            }),
        };
        var credentials = $"{WebUtility.UrlEncode(ClientId)}:{WebUtility.UrlEncode(secret)}";
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(credentials)));
        return await Client.SendAsync(request);
    }

    public async Task<HttpResponseMessage> PostFormAsync(string path, Dictionary<string, string> form, string? cookie = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new FormUrlEncodedContent(form) };
        if (cookie is not null)
        {
            request.Headers.Add("Cookie", cookie);
        }

        return await Client.SendAsync(request);
    }

    public static async Task<JsonElement> JsonAsync(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();

    [GeneratedRegex("<input type=\"hidden\" name=\"([^\"]+)\" value=\"([^\"]*)\">")]
    private static partial Regex HiddenField();
}
