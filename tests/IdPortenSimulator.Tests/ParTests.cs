using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Microsoft.AspNetCore.WebUtilities;

namespace Educloud.IdPortenSimulator.Tests;

/// <summary>Pushed authorization requests (RFC 9126) as ID-porten offers them (docs.digdir.no oidc_protocol_par).</summary>
public sealed class ParTests : SimulatorTestBase
{
    private const string RequestUriPrefix = "urn:ietf:params:oauth:request_uri:";

    private Task<HttpResponseMessage> PushWithBasicAsync(Dictionary<string, string> parameters, string secret = SimulatorHost.ClientSecret)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/idporten-sim/par") { Content = new FormUrlEncodedContent(parameters) };
        var credentials = $"{WebUtility.UrlEncode(SimulatorHost.ClientId)}:{WebUtility.UrlEncode(secret)}";
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(credentials)));
        return Client.SendAsync(request);
    }

    private async Task<string> PushAsync(string verifier)
    {
        using var response = await PushWithBasicAsync(SimulatorHost.AuthorizeParameters(verifier));
        response.StatusCode.Should().Be(HttpStatusCode.Created);
        return (await SimulatorHost.JsonAsync(response)).GetProperty("request_uri").GetString()!;
    }

    private Task<HttpResponseMessage> AuthorizeWithRequestUriAsync(string requestUri, string clientId = SimulatorHost.ClientId) =>
        Client.GetAsync(QueryHelpers.AddQueryString("/idporten-sim/authorize", new Dictionary<string, string?> { ["client_id"] = clientId, ["request_uri"] = requestUri }));

    [Fact]
    public async Task Par_WithClientSecretBasic_Returns201WithShortLivedRequestUri()
    {
        using var response = await PushWithBasicAsync(SimulatorHost.AuthorizeParameters(SimulatorHost.NewVerifier()));

        response.StatusCode.Should().Be(HttpStatusCode.Created);
        response.Headers.CacheControl!.NoStore.Should().BeTrue();
        var json = await SimulatorHost.JsonAsync(response);
        json.GetProperty("request_uri").GetString().Should().StartWith(RequestUriPrefix);
        json.GetProperty("expires_in").GetInt32().Should().Be(60);
    }

    [Fact]
    public async Task RequestUri_AtAuthorize_ShowsThePageOnceOnly()
    {
        var requestUri = await PushAsync(SimulatorHost.NewVerifier());

        using var first = await AuthorizeWithRequestUriAsync(requestUri);
        using var second = await AuthorizeWithRequestUriAsync(requestUri);

        first.StatusCode.Should().Be(HttpStatusCode.OK);
        (await first.Content.ReadAsStringAsync()).Should().Contain("name=\"sim_tx\"");
        second.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        second.Headers.Location.Should().BeNull();
    }

    [Fact]
    public async Task RequestUri_AfterItsLifetime_IsRefused()
    {
        var requestUri = await PushAsync(SimulatorHost.NewVerifier());
        Host.Time.Advance(TimeSpan.FromSeconds(61));

        using var response = await AuthorizeWithRequestUriAsync(requestUri);

        response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task RequestUri_WithOtherParametersBeside_IsRefused()
    {
        var requestUri = await PushAsync(SimulatorHost.NewVerifier());

        using var response = await Client.GetAsync(QueryHelpers.AddQueryString("/idporten-sim/authorize", new Dictionary<string, string?>
        {
            ["client_id"] = SimulatorHost.ClientId,
            ["request_uri"] = requestUri,
            ["acr_values"] = "idporten-loa-high",
        }));

        response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await response.Content.ReadAsStringAsync()).Should().Contain("RFC 9126");
    }

    [Fact]
    public async Task RequestUri_WithAnotherClientId_IsRefused()
    {
        var requestUri = await PushAsync(SimulatorHost.NewVerifier());

        using var response = await AuthorizeWithRequestUriAsync(requestUri, SimulatorHost.JwtClientId);

        response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Par_WithoutClientAuthentication_Is401InvalidClient()
    {
        using var response = await Host.PostFormAsync("/idporten-sim/par", SimulatorHost.AuthorizeParameters(SimulatorHost.NewVerifier()));

        response.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        (await SimulatorHost.JsonAsync(response)).GetProperty("error").GetString().Should().Be("invalid_client");
    }

    [Fact]
    public async Task Par_WithWrongSecret_Is401InvalidClient()
    {
        using var response = await PushWithBasicAsync(SimulatorHost.AuthorizeParameters(SimulatorHost.NewVerifier()), "wrong");

        response.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Par_WithBadRequest_IsJson400NeverARedirect()
    {
        using var response = await PushWithBasicAsync(SimulatorHost.AuthorizeParameters(SimulatorHost.NewVerifier(), changes: new() { ["nonce"] = null }));

        response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        response.Headers.Location.Should().BeNull();
        (await SimulatorHost.JsonAsync(response)).GetProperty("error").GetString().Should().Be("invalid_request");
    }

    [Fact]
    public async Task Par_NamingAnotherClientThanTheAuthenticatedOne_Is401InvalidClient()
    {
        using var response = await PushWithBasicAsync(SimulatorHost.AuthorizeParameters(SimulatorHost.NewVerifier(), SimulatorHost.JwtClientId));

        response.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        response.Headers.Location.Should().BeNull();
    }

    [Fact]
    public async Task Par_HoldingARequestUri_IsRefused()
    {
        using var response = await PushWithBasicAsync(SimulatorHost.AuthorizeParameters(SimulatorHost.NewVerifier(), changes: new() { ["request_uri"] = RequestUriPrefix + "x" }));

        response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Par_WithPrivateKeyJwt_ThenLoginAndRedeem_IssuesTokens()
    {
        var verifier = SimulatorHost.NewVerifier();
        var form = SimulatorHost.AuthorizeParameters(verifier, SimulatorHost.JwtClientId);
        form["client_assertion_type"] = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
        form["client_assertion"] = ClientAssertion(Host.Time.GetUtcNow());
        using var pushed = await Host.PostFormAsync("/idporten-sim/par", form);
        pushed.StatusCode.Should().Be(HttpStatusCode.Created);
        var requestUri = (await SimulatorHost.JsonAsync(pushed)).GetProperty("request_uri").GetString()!;

        var code = await Host.GetCodeAsync(new() { ["client_id"] = SimulatorHost.JwtClientId, ["request_uri"] = requestUri });
        using var response = await RedeemWithAssertionAsync(code, verifier, ClientAssertion(Host.Time.GetUtcNow()));

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        var token = await ValidateIdTokenAsync((await SimulatorHost.JsonAsync(response)).GetProperty("id_token").GetString()!, SimulatorHost.JwtClientId);
        token.GetClaim("nonce").Value.Should().Be("nonce-456");
    }

    [Fact]
    public async Task PlainAuthorize_WhenParIsRequired_RedirectsBackWithInvalidRequest()
    {
        await RestartAsync(o => o.RequirePushedAuthorizationRequests = true);

        using var response = await Host.GetAuthorizeAsync(SimulatorHost.AuthorizeParameters(SimulatorHost.NewVerifier()));

        response.StatusCode.Should().Be(HttpStatusCode.Redirect);
        var back = SimulatorHost.RedirectParameters(response);
        back["error"].Should().Be("invalid_request");
        back["state"].Should().Be("state-123");
        back["iss"].Should().Be(SimulatorHost.Issuer);
    }

    [Fact]
    public async Task Discovery_WhenParIsRequired_AdvertisesIt()
    {
        await RestartAsync(o => o.RequirePushedAuthorizationRequests = true);

        var json = await SimulatorHost.JsonAsync(await Client.GetAsync("/idporten-sim/.well-known/openid-configuration"));

        json.GetProperty("require_pushed_authorization_requests").GetBoolean().Should().BeTrue();
    }

    [Fact]
    public async Task CodeFlow_WhenParIsRequired_WorksThroughPar()
    {
        await RestartAsync(o => o.RequirePushedAuthorizationRequests = true);
        var verifier = SimulatorHost.NewVerifier();
        var requestUri = await PushAsync(verifier);

        var code = await Host.GetCodeAsync(new() { ["client_id"] = SimulatorHost.ClientId, ["request_uri"] = requestUri });
        using var response = await Host.RedeemWithBasicAsync(code, verifier);

        response.StatusCode.Should().Be(HttpStatusCode.OK);
    }
}
