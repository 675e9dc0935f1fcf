using System.Net;
using System.Security.Cryptography;

namespace Educloud.IdPortenSimulator.Tests;

public sealed class TokenTests : SimulatorTestBase
{
    private async Task<(string Code, string Verifier)> CodeAsync(string clientId = SimulatorHost.ClientId)
    {
        var verifier = SimulatorHost.NewVerifier();
        return (await Host.GetCodeAsync(SimulatorHost.AuthorizeParameters(verifier, clientId)), verifier);
    }

    private static async Task AssertErrorAsync(HttpResponseMessage response, HttpStatusCode status, string error)
    {
        response.StatusCode.Should().Be(status);
        response.Headers.CacheControl!.NoStore.Should().BeTrue();
        (await SimulatorHost.JsonAsync(response)).GetProperty("error").GetString().Should().Be(error);
    }

    [Fact]
    public async Task Token_WithWrongCodeVerifier_IsInvalidGrant()
    {
        var (code, _) = await CodeAsync();

        using var response = await Host.RedeemWithBasicAsync(code, SimulatorHost.NewVerifier());

        await AssertErrorAsync(response, HttpStatusCode.BadRequest, "invalid_grant");
    }

    [Fact]
    public async Task Token_WithTooShortCodeVerifier_IsInvalidGrant()
    {
        var (code, verifier) = await CodeAsync();

        using var response = await Host.RedeemWithBasicAsync(code, verifier[..42]);

        await AssertErrorAsync(response, HttpStatusCode.BadRequest, "invalid_grant");
    }

    [Fact]
    public async Task Token_WhenCodeIsReused_IsInvalidGrant()
    {
        var (code, verifier) = await CodeAsync();
        using var first = await Host.RedeemWithBasicAsync(code, verifier);
        first.StatusCode.Should().Be(HttpStatusCode.OK);

        using var second = await Host.RedeemWithBasicAsync(code, verifier);

        await AssertErrorAsync(second, HttpStatusCode.BadRequest, "invalid_grant");
    }

    [Fact]
    public async Task Token_WhenCodeHasExpired_IsInvalidGrant()
    {
        var (code, verifier) = await CodeAsync();
        Host.Time.Advance(TimeSpan.FromSeconds(61));

        using var response = await Host.RedeemWithBasicAsync(code, verifier);

        await AssertErrorAsync(response, HttpStatusCode.BadRequest, "invalid_grant");
    }

    [Fact]
    public async Task Token_WhenCodeIsJustInTime_IsAccepted()
    {
        var (code, verifier) = await CodeAsync();
        Host.Time.Advance(TimeSpan.FromSeconds(59));

        using var response = await Host.RedeemWithBasicAsync(code, verifier);

        response.StatusCode.Should().Be(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Token_WithCodeOfAnotherClient_IsInvalidGrant()
    {
        var (code, verifier) = await CodeAsync(SimulatorHost.JwtClientId);

        using var response = await Host.RedeemWithBasicAsync(code, verifier);

        await AssertErrorAsync(response, HttpStatusCode.BadRequest, "invalid_grant");
    }

    [Fact]
    public async Task Token_WithWrongSecret_Is401InvalidClient()
    {
        var (code, verifier) = await CodeAsync();

        using var response = await Host.RedeemWithBasicAsync(code, verifier, "wrong");

        await AssertErrorAsync(response, HttpStatusCode.Unauthorized, "invalid_client");
        response.Headers.WwwAuthenticate.Should().NotBeEmpty();
    }

    [Fact]
    public async Task Token_WithoutClientAuthentication_Is401InvalidClient()
    {
        var (code, verifier) = await CodeAsync();

        using var response = await Host.PostFormAsync("/idporten-sim/token", new()
        {
            ["grant_type"] = "authorization_code",
            ["code"] = code,
            ["redirect_uri"] = SimulatorHost.RedirectUri,
            ["code_verifier"] = verifier,
            ["client_id"] = SimulatorHost.ClientId,
        });

        await AssertErrorAsync(response, HttpStatusCode.Unauthorized, "invalid_client");
    }

    [Fact]
    public async Task Token_WithOtherGrantType_IsUnsupportedGrantType()
    {
        using var response = await Host.PostFormAsync("/idporten-sim/token", new()
        {
            ["grant_type"] = "client_credentials",
            ["client_id"] = SimulatorHost.ClientId,
            ["client_secret"] = SimulatorHost.ClientSecret,
        });

        await AssertErrorAsync(response, HttpStatusCode.BadRequest, "unsupported_grant_type");
    }

    [Fact]
    public async Task Token_WithRepeatedParameter_IsInvalidRequest()
    {
        using var content = new StringContent(
            "grant_type=authorization_code&code=a&code=b&client_id=test-client&client_secret=x",
            System.Text.Encoding.ASCII,
            "application/x-www-form-urlencoded");

        using var response = await Client.PostAsync("/idporten-sim/token", content);

        await AssertErrorAsync(response, HttpStatusCode.BadRequest, "invalid_request");
    }

    [Fact]
    public async Task Token_WithJsonBody_IsInvalidRequest()
    {
        using var content = new StringContent("{\"grant_type\":\"authorization_code\"}", System.Text.Encoding.UTF8, "application/json");

        using var response = await Client.PostAsync("/idporten-sim/token", content);

        await AssertErrorAsync(response, HttpStatusCode.BadRequest, "invalid_request");
    }

    /// <summary>Issue 11: aud is ID-porten's issuer, as Digdir asks; the token endpoint's URL (once accepted) is not.</summary>
    [Fact]
    public async Task PrivateKeyJwt_WithTokenEndpointAudience_IsInvalidClient()
    {
        var (code, verifier) = await CodeAsync(SimulatorHost.JwtClientId);
        var assertion = ClientAssertion(Host.Time.GetUtcNow(), audience: SimulatorHost.Issuer + "/token");

        using var response = await RedeemWithAssertionAsync(code, verifier, assertion);

        await AssertErrorAsync(response, HttpStatusCode.Unauthorized, "invalid_client");
    }

    [Fact]
    public async Task PrivateKeyJwt_WhenAssertionIsReplayed_IsInvalidClient()
    {
        var assertion = ClientAssertion(Host.Time.GetUtcNow());
        var (code1, verifier1) = await CodeAsync(SimulatorHost.JwtClientId);
        using var first = await RedeemWithAssertionAsync(code1, verifier1, assertion);
        first.StatusCode.Should().Be(HttpStatusCode.OK);
        var (code2, verifier2) = await CodeAsync(SimulatorHost.JwtClientId);

        using var second = await RedeemWithAssertionAsync(code2, verifier2, assertion);

        await AssertErrorAsync(second, HttpStatusCode.Unauthorized, "invalid_client");
    }

    [Fact]
    public async Task PrivateKeyJwt_SignedWithAnotherKey_IsInvalidClient()
    {
        var (code, verifier) = await CodeAsync(SimulatorHost.JwtClientId);
        using var otherKey = RSA.Create(2048);

        using var response = await RedeemWithAssertionAsync(code, verifier, ClientAssertion(Host.Time.GetUtcNow(), key: otherKey));

        await AssertErrorAsync(response, HttpStatusCode.Unauthorized, "invalid_client");
    }

    [Fact]
    public async Task PrivateKeyJwt_WithWrongAudience_IsInvalidClient()
    {
        var (code, verifier) = await CodeAsync(SimulatorHost.JwtClientId);

        using var response = await RedeemWithAssertionAsync(code, verifier, ClientAssertion(Host.Time.GetUtcNow(), audience: "https://test.idporten.no"));

        await AssertErrorAsync(response, HttpStatusCode.Unauthorized, "invalid_client");
    }

    [Fact]
    public async Task PrivateKeyJwt_WhenAssertionHasExpired_IsInvalidClient()
    {
        var assertion = ClientAssertion(Host.Time.GetUtcNow());
        Host.Time.Advance(TimeSpan.FromSeconds(55));
        var (code, verifier) = await CodeAsync(SimulatorHost.JwtClientId);
        Host.Time.Advance(TimeSpan.FromSeconds(40));

        using var response = await RedeemWithAssertionAsync(code, verifier, assertion);

        await AssertErrorAsync(response, HttpStatusCode.Unauthorized, "invalid_client");
    }
}
