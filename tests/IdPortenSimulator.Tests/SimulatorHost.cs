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

/// <summary>A TestServer host with the simulator mapped, one secret client and one private_key_jwt client.</summary>
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

    private readonly WebApplication app;

    private SimulatorHost(WebApplication app, ECDsa clientKey, FakeTimeProvider time)
    {
        this.app = app;
        ClientKey = clientKey;
        Time = time;
        Client = app.GetTestClient();
        Client.BaseAddress = new Uri("https://localhost/");
    }

    public FakeTimeProvider Time { get; }

    public HttpClient Client { get; }

    public ECDsa ClientKey { get; }

    public IdPortenSimulatorFaults Faults => app.Services.GetRequiredService<IdPortenSimulatorFaults>();

    public static async Task<SimulatorHost> StartAsync()
    {
        var clientKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 3, 2, 10, 0, 0, TimeSpan.Zero));
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseTestServer();
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton<TimeProvider>(time);
        builder.Services.AddIdPortenSimulator(options =>
        {
            var client = new SimulatedClient { ClientId = ClientId, ClientSecret = ClientSecret, FrontChannelLogoutUri = FrontChannelLogoutUri };
            client.RedirectUris.Add(RedirectUri);
            client.PostLogoutRedirectUris.Add(PostLogoutRedirectUri);
            options.Clients.Add(client);
            var jwtClient = new SimulatedClient { ClientId = JwtClientId, PublicKeyPem = clientKey.ExportSubjectPublicKeyInfoPem() };
            jwtClient.RedirectUris.Add(RedirectUri);
            options.Clients.Add(jwtClient);
        });
        var app = builder.Build();
        app.MapIdPortenSimulator();
        await app.StartAsync();
        return new SimulatorHost(app, clientKey, time);
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await app.DisposeAsync();
        ClientKey.Dispose();
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

    public Task<HttpResponseMessage> GetAuthorizeAsync(Dictionary<string, string> parameters) =>
        Client.GetAsync(QueryHelpers.AddQueryString("/idporten-sim/authorize", parameters!));

    /// <summary>GET /authorize, then submits the page's form as a browser would; returns the POST's response.</summary>
    public async Task<HttpResponseMessage> LoginAsync(Dictionary<string, string> parameters, string? pid = null, string acr = "idporten-loa-substantial")
    {
        using var page = await GetAuthorizeAsync(parameters);
        page.StatusCode.Should().Be(HttpStatusCode.OK);
        var form = HiddenFields(await page.Content.ReadAsStringAsync());
        form["sim_pid"] = pid ?? SyntheticPersons.All[0].Pid;
        form["sim_acr"] = acr;
        using var content = new FormUrlEncodedContent(form);
        return await Client.PostAsync("/idporten-sim/authorize", content);
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

    public async Task<HttpResponseMessage> PostFormAsync(string path, Dictionary<string, string> form)
    {
        using var content = new FormUrlEncodedContent(form);
        return await Client.PostAsync(path, content);
    }

    public static async Task<JsonElement> JsonAsync(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();

    [GeneratedRegex("<input type=\"hidden\" name=\"([^\"]+)\" value=\"([^\"]*)\">")]
    private static partial Regex HiddenField();
}
