using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Educloud.Idp.Tests.Infrastructure;
using Educloud.IdPortenSimulator;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.IdentityModel.JsonWebTokens;

namespace Educloud.Idp.Tests.Federation.Digdir;

/// <summary>
/// Another service that logs people in with ID-porten, the part Digdir's test service (or "Dine
/// kontaktopplysninger") plays in its verification tests: a second client of the simulator, with
/// its own redirect, post-logout and front-channel logout URIs, driven here as a plain OpenID
/// Connect client (PAR when the simulator offers it, PKCE, client_secret_basic).
/// </summary>
public sealed class OtherService(IdpHost idp)
{
    public const string ClientId = "digdir-test-service";
    public const string Secret = "DEVELOPMENT-ONLY-digdir-test-service-secret";
    public const string Origin = "https://test-service.test";
    public const string RedirectUri = Origin + "/callback";
    public const string PostLogoutRedirectUri = Origin + "/logged-out";
    public const string FrontChannelLogoutUri = Origin + "/frontchannel-logout";

    private const string Simulator = IdpHost.Origin + "/idporten-sim";

    /// <summary>Its registration at the simulator (as at Digdir).</summary>
    public static SimulatedClient Registration()
    {
        var client = new SimulatedClient { ClientId = ClientId, ClientSecret = Secret, FrontChannelLogoutUri = FrontChannelLogoutUri };
        client.RedirectUris.Add(RedirectUri);
        client.PostLogoutRedirectUris.Add(PostLogoutRedirectUri);
        return client;
    }

    /// <summary>
    /// The person opens the service, which sends them to ID-porten: the simulator's login page, or,
    /// within an ID-porten session, straight back to the service (then <see cref="TestBrowser.LeftTo"/>
    /// holds the code).
    /// </summary>
    public async Task<Login> StartAsync(TestBrowser browser, string acr = Flows.Substantial, IDictionary<string, string?>? extra = null)
    {
        var login = new Login(Pkce.New(), "state-" + Guid.NewGuid().ToString("N"), "nonce-" + Guid.NewGuid().ToString("N"));
        var parameters = new Dictionary<string, string?>
        {
            ["client_id"] = ClientId,
            ["redirect_uri"] = RedirectUri,
            ["response_type"] = "code",
            ["scope"] = "openid profile",
            ["state"] = login.State,
            ["nonce"] = login.Nonce,
            ["code_challenge"] = login.Pkce.Challenge,
            ["code_challenge_method"] = "S256",
            ["acr_values"] = acr,
        };
        foreach (var (name, value) in extra ?? new Dictionary<string, string?>())
        {
            parameters[name] = value;
        }

        var authorize = await ParAsync(parameters) is { } requestUri
            ? QueryHelpers.AddQueryString(Simulator + "/authorize", new Dictionary<string, string?> { ["client_id"] = ClientId, ["request_uri"] = requestUri })
            : QueryHelpers.AddQueryString(Simulator + "/authorize", parameters);
        login.Page = await browser.GetAsync(authorize);
        return login;
    }

    /// <summary>At the simulator's login page: a person and a level; back at the service with a code.</summary>
    public static async Task LogInAtIdPortenAsync(TestBrowser browser, Login login, string pid, string acr = Flows.Substantial)
    {
        login.Page!.Address.AbsolutePath.Should().Be("/idporten-sim/authorize", login.Page.Body);
        await browser.SubmitAsync(login.Page, values: new Dictionary<string, string> { ["sim_pid"] = pid, ["sim_pid_other"] = "", ["sim_acr"] = acr });
    }

    /// <summary>Back at the service: the code redeemed at ID-porten, its id_token read.</summary>
    public async Task<JsonWebToken> RedeemAsync(TestBrowser browser, Login login)
    {
        browser.LeftTo.Should().NotBeNull("ID-porten should have sent the person back to the service");
        browser.LeftTo!.GetLeftPart(UriPartial.Path).Should().Be(RedirectUri);
        var response = QueryHelpers.ParseQuery(browser.LeftTo.Query);
        response.Should().NotContainKey("error");
        response["state"].ToString().Should().Be(login.State);
        var (status, body) = await PostAsync(Simulator + "/token", new Dictionary<string, string?>
        {
            ["grant_type"] = "authorization_code",
            ["code"] = response["code"].ToString(),
            ["redirect_uri"] = RedirectUri,
            ["code_verifier"] = login.Pkce.Verifier,
        });
        status.Should().Be(200, body.ToString());
        var idToken = new JsonWebToken(body.GetProperty("id_token").GetString());
        idToken.GetPayloadValue<string>("nonce").Should().Be(login.Nonce);
        return idToken;
    }

    /// <summary>
    /// The person logs out at the service: ID-porten's logout page, which frames the front-channel
    /// logout URIs of the other services of that ID-porten session.
    /// </summary>
    public static Task<BrowserPage> LogOutAsync(TestBrowser browser, JsonWebToken idToken) =>
        browser.GetAsync(QueryHelpers.AddQueryString(Simulator + "/endsession", new Dictionary<string, string?>
        {
            ["id_token_hint"] = idToken.EncodedToken,
            ["post_logout_redirect_uri"] = PostLogoutRedirectUri,
            ["state"] = "logout-state",
        }));

    /// <summary>PAR (RFC 9126) when the simulator's discovery offers it, as a client reading discovery does; else null.</summary>
    private async Task<string?> ParAsync(Dictionary<string, string?> parameters)
    {
        using var backchannel = idp.NewBackchannel();
        using var discovery = JsonDocument.Parse(await backchannel.GetStringAsync(Simulator + "/.well-known/openid-configuration"));
        if (!discovery.RootElement.TryGetProperty("pushed_authorization_request_endpoint", out var endpoint))
        {
            return null;
        }

        var (status, body) = await PostAsync(endpoint.GetString()!, parameters);
        status.Should().Be(201, body.ToString());
        return body.GetProperty("request_uri").GetString();
    }

    private async Task<(int Status, JsonElement Body)> PostAsync(string url, IDictionary<string, string?> form)
    {
        using var backchannel = idp.NewBackchannel();
        using var request = new HttpRequestMessage(HttpMethod.Post, url)
        {
            Content = new FormUrlEncodedContent(form.Where(f => f.Value is not null)!),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic",
            Convert.ToBase64String(Encoding.UTF8.GetBytes(Uri.EscapeDataString(ClientId) + ":" + Uri.EscapeDataString(Secret))));
        using var response = await backchannel.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return ((int)response.StatusCode, JsonDocument.Parse(text.Length == 0 ? "{}" : text).RootElement.Clone());
    }

    /// <summary>One login of the service: what it keeps between the request and the callback.</summary>
    public sealed record Login(Pkce Pkce, string State, string Nonce)
    {
        /// <summary>Where the browser stopped: the simulator's login page, or (single sign-on) the page it left from.</summary>
        public BrowserPage? Page { get; set; }
    }
}
