using System.Buffers.Text;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Educloud.IdPortenSimulator.Tests;

public sealed class CodeFlowTests : SimulatorTestBase
{
    [Fact]
    public async Task CodeFlow_WithClientSecretBasic_IssuesIdTokenThatValidatesAgainstJwks()
    {
        var verifier = SimulatorHost.NewVerifier();
        var person = SyntheticPersons.All[2];

        using var redirect = await Host.LoginAsync(SimulatorHost.AuthorizeParameters(verifier), person.Pid);
        redirect.StatusCode.Should().Be(HttpStatusCode.Redirect);
        redirect.Headers.Location!.GetLeftPart(UriPartial.Path).Should().Be(SimulatorHost.RedirectUri);
        var back = SimulatorHost.RedirectParameters(redirect);
        back["state"].Should().Be("state-123");
        back["iss"].Should().Be(SimulatorHost.Issuer);
        Base64Url.DecodeFromChars(back["code"]).Should().HaveCount(32);

        using var response = await Host.RedeemWithBasicAsync(back["code"], verifier);
        response.StatusCode.Should().Be(HttpStatusCode.OK);
        response.Headers.CacheControl!.NoStore.Should().BeTrue();
        var json = await SimulatorHost.JsonAsync(response);
        json.GetProperty("token_type").GetString().Should().Be("Bearer");
        json.GetProperty("expires_in").GetInt32().Should().Be(120);
        json.GetProperty("scope").GetString().Should().Be("openid profile");
        json.GetProperty("access_token").GetString().Should().NotBeNullOrEmpty();

        var token = await ValidateIdTokenAsync(json.GetProperty("id_token").GetString()!);
        var now = Host.Time.GetUtcNow().ToUnixTimeSeconds();
        token.GetClaim("pid").Value.Should().Be(person.Pid);
        token.Subject.Should().NotBeNullOrEmpty().And.NotBe(person.Pid);
        token.Subject.Should().Be(Base64Url.EncodeToString(SHA256.HashData(Encoding.UTF8.GetBytes(SimulatorHost.ClientId + person.Pid))));
        token.GetClaim("acr").Value.Should().Be("idporten-loa-substantial");
        token.GetPayloadValue<string[]>("amr").Should().Equal("TestID");
        token.GetPayloadValue<long>("auth_time").Should().Be(now);
        token.GetPayloadValue<long>("iat").Should().Be(now);
        token.GetPayloadValue<long>("exp").Should().Be(now + 120);
        token.GetClaim("nonce").Value.Should().Be("nonce-456");
        token.GetClaim("sid").Value.Should().NotBeNullOrEmpty();
        token.GetClaim("locale").Value.Should().Be("en");
        token.Id.Should().NotBeNullOrEmpty();
        token.TryGetPayloadValue<string>("name", out _).Should().BeFalse("ID-porten sends no names");
    }

    [Fact]
    public async Task Userinfo_WithTheAccessToken_ReturnsSubAndPid()
    {
        var verifier = SimulatorHost.NewVerifier();
        var code = await Host.GetCodeAsync(SimulatorHost.AuthorizeParameters(verifier));
        var tokens = await SimulatorHost.JsonAsync(await Host.RedeemWithBasicAsync(code, verifier));
        var idToken = await ValidateIdTokenAsync(tokens.GetProperty("id_token").GetString()!);
        using var request = new HttpRequestMessage(HttpMethod.Get, "/idporten-sim/userinfo");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", tokens.GetProperty("access_token").GetString());

        var userinfo = await SimulatorHost.JsonAsync(await Client.SendAsync(request));

        userinfo.GetProperty("sub").GetString().Should().Be(idToken.Subject);
        userinfo.GetProperty("pid").GetString().Should().Be(SyntheticPersons.All[0].Pid);
    }

    [Fact]
    public async Task Userinfo_WithUnknownToken_Returns401WithWwwAuthenticate()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/idporten-sim/userinfo");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "not-a-token");

        using var response = await Client.SendAsync(request);

        response.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        response.Headers.WwwAuthenticate.ToString().Should().Contain("invalid_token");
    }

    [Fact]
    public async Task CodeFlow_WithChosenHighLevelAndTypedPid_PutsThemInTheIdToken()
    {
        var verifier = SimulatorHost.NewVerifier();
        using var page = await Host.GetAuthorizeAsync(SimulatorHost.AuthorizeParameters(verifier, changes: new() { ["ui_locales"] = null }));
        var form = SimulatorHost.HiddenFields(await page.Content.ReadAsStringAsync());
        form["sim_pid"] = SyntheticPersons.All[0].Pid;
        form["sim_pid_other"] = " 01820112345 ";
        form["sim_acr"] = "idporten-loa-high";

        using var redirect = await Host.PostFormAsync("/idporten-sim/authorize", form);
        using var response = await Host.RedeemWithBasicAsync(SimulatorHost.RedirectParameters(redirect)["code"], verifier);

        var token = await ValidateIdTokenAsync((await SimulatorHost.JsonAsync(response)).GetProperty("id_token").GetString()!);
        token.GetClaim("pid").Value.Should().Be("01820112345");
        token.GetClaim("acr").Value.Should().Be("idporten-loa-high");
        token.GetClaim("locale").Value.Should().Be("nb");
    }

    [Fact]
    public async Task CodeFlow_WithPrivateKeyJwtRsa_IssuesTokens()
    {
        var verifier = SimulatorHost.NewVerifier();
        var code = await Host.GetCodeAsync(SimulatorHost.AuthorizeParameters(verifier, SimulatorHost.JwtClientId));

        using var response = await RedeemWithAssertionAsync(code, verifier, ClientAssertion(Host.Time.GetUtcNow()));

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        var token = await ValidateIdTokenAsync((await SimulatorHost.JsonAsync(response)).GetProperty("id_token").GetString()!, SimulatorHost.JwtClientId);
        token.Subject.Should().NotBe(SyntheticPersons.All[0].Pid);
    }

    [Fact]
    public async Task CodeFlow_WithClientSecretPost_IssuesTokens()
    {
        var verifier = SimulatorHost.NewVerifier();
        var code = await Host.GetCodeAsync(SimulatorHost.AuthorizeParameters(verifier));

        using var response = await Host.PostFormAsync("/idporten-sim/token", new()
        {
            ["grant_type"] = "authorization_code",
            ["code"] = code,
            ["redirect_uri"] = SimulatorHost.RedirectUri,
            ["code_verifier"] = verifier,
            ["client_id"] = SimulatorHost.ClientId,
            ["client_secret"] = SimulatorHost.ClientSecret,
        });

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        (await SimulatorHost.JsonAsync(response)).GetProperty("id_token").ValueKind.Should().Be(JsonValueKind.String);
    }
}
