using System.Net;

namespace Educloud.IdPortenSimulator.Tests;

public sealed class DiscoveryTests : SimulatorTestBase
{
    [Fact]
    public async Task Discovery_DescribesAnIdPortenShapedProvider()
    {
        var json = await SimulatorHost.JsonAsync(await Client.GetAsync("/idporten-sim/.well-known/openid-configuration"));

        string[] Strings(string name) => json.GetProperty(name).EnumerateArray().Select(e => e.GetString()!).ToArray();
        json.GetProperty("issuer").GetString().Should().Be(SimulatorHost.Issuer);
        json.GetProperty("authorization_endpoint").GetString().Should().Be(SimulatorHost.Issuer + "/authorize");
        json.GetProperty("token_endpoint").GetString().Should().Be(SimulatorHost.Issuer + "/token");
        json.GetProperty("jwks_uri").GetString().Should().Be(SimulatorHost.Issuer + "/jwks");
        json.GetProperty("userinfo_endpoint").GetString().Should().Be(SimulatorHost.Issuer + "/userinfo");
        json.GetProperty("end_session_endpoint").GetString().Should().Be(SimulatorHost.Issuer + "/endsession");
        Strings("response_types_supported").Should().Equal("code");
        Strings("response_modes_supported").Should().Equal("query");
        Strings("grant_types_supported").Should().Equal("authorization_code");
        Strings("subject_types_supported").Should().Equal("pairwise");
        Strings("id_token_signing_alg_values_supported").Should().Equal("RS256");
        Strings("code_challenge_methods_supported").Should().Equal("S256");
        Strings("token_endpoint_auth_methods_supported").Should().BeEquivalentTo("client_secret_basic", "client_secret_post", "private_key_jwt");
        // Issue 11: RSA only, as Digdir registers keys (ES256 was listed before).
        Strings("token_endpoint_auth_signing_alg_values_supported").Should().Equal("RS256");
        json.GetProperty("pushed_authorization_request_endpoint").GetString().Should().Be(SimulatorHost.Issuer + "/par");
        json.GetProperty("require_pushed_authorization_requests").GetBoolean().Should().BeFalse();
        json.GetProperty("backchannel_logout_supported").GetBoolean().Should().BeTrue();
        json.GetProperty("backchannel_logout_session_supported").GetBoolean().Should().BeTrue();
        Strings("scopes_supported").Should().BeEquivalentTo("openid", "profile");
        Strings("acr_values_supported").Should().BeEquivalentTo(
            "idporten-loa-low", "idporten-loa-substantial", "idporten-loa-high", "eidas-loa-low", "eidas-loa-substantial", "eidas-loa-high");
        Strings("ui_locales_supported").Should().BeEquivalentTo("nb", "nn", "en", "se");
        Strings("claims_supported").Should().Contain(["pid", "acr", "amr", "sid", "locale"]);
        json.GetProperty("authorization_response_iss_parameter_supported").GetBoolean().Should().BeTrue();
        json.GetProperty("frontchannel_logout_supported").GetBoolean().Should().BeTrue();
        json.GetProperty("frontchannel_logout_session_supported").GetBoolean().Should().BeTrue();
    }

    [Fact]
    public async Task Jwks_PublishesOneRs256SigningKeyWithKid()
    {
        var key = (await SimulatorHost.JsonAsync(await Client.GetAsync("/idporten-sim/jwks"))).GetProperty("keys").EnumerateArray().Single();

        key.GetProperty("kty").GetString().Should().Be("RSA");
        key.GetProperty("use").GetString().Should().Be("sig");
        key.GetProperty("alg").GetString().Should().Be("RS256");
        key.GetProperty("kid").GetString().Should().NotBeNullOrEmpty();
        key.TryGetProperty("d", out _).Should().BeFalse("the private key must never be published");
    }

    [Fact]
    public async Task Discovery_UnderAnotherHost_UsesThatHostInTheIssuer()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "http://idp.test:5000/idporten-sim/.well-known/openid-configuration");
        using var response = await Client.SendAsync(request);

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        var json = await SimulatorHost.JsonAsync(response);
        json.GetProperty("issuer").GetString().Should().Be("http://idp.test:5000/idporten-sim");
    }
}
