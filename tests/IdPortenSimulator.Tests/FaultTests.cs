using System.Net;
using Microsoft.IdentityModel.JsonWebTokens;

namespace Educloud.IdPortenSimulator.Tests;

public sealed class FaultTests : SimulatorTestBase
{
    private async Task<Dictionary<string, string>> LoginRedirectAsync()
    {
        using var response = await Host.LoginAsync(SimulatorHost.AuthorizeParameters(SimulatorHost.NewVerifier()));
        response.StatusCode.Should().Be(HttpStatusCode.Redirect);
        return SimulatorHost.RedirectParameters(response);
    }

    [Fact]
    public async Task WrongIssuerInAuthorizationResponse_ChangesIssOnTheRedirect()
    {
        Host.Faults.WrongIssuerInAuthorizationResponse = true;

        var back = await LoginRedirectAsync();

        back["iss"].Should().NotBe(SimulatorHost.Issuer).And.NotBeNullOrEmpty();
        back.Should().ContainKey("code");
    }

    [Fact]
    public async Task OmitIssInAuthorizationResponse_LeavesIssOut()
    {
        Host.Faults.OmitIssInAuthorizationResponse = true;

        var back = await LoginRedirectAsync();

        back.Should().NotContainKey("iss").And.ContainKey("code");
    }

    [Fact]
    public async Task WrongIssuerInIdToken_ChangesIssButKeepsAValidSignature()
    {
        Host.Faults.WrongIssuerInIdToken = true;

        var idToken = await LoginAndGetIdTokenAsync();

        var issuer = new JsonWebToken(idToken).Issuer;
        issuer.Should().NotBe(SimulatorHost.Issuer);
        await ValidateIdTokenAsync(idToken, issuer: issuer);
    }

    [Fact]
    public async Task IdTokenExpiredAgo_PutsExpInThePastButKeepsAValidSignature()
    {
        Host.Faults.IdTokenExpiredAgo = TimeSpan.FromMinutes(5);

        var token = await ValidateIdTokenAsync(await LoginAndGetIdTokenAsync());

        new DateTimeOffset(token.ValidTo, TimeSpan.Zero).Should().Be(Host.Time.GetUtcNow().AddMinutes(-5));
        token.IssuedAt.Should().BeBefore(token.ValidTo);
    }

    [Fact]
    public async Task IdTokenIssuedAhead_PutsIatInTheFutureButKeepsAValidSignature()
    {
        Host.Faults.IdTokenIssuedAhead = TimeSpan.FromMinutes(5);

        var token = await ValidateIdTokenAsync(await LoginAndGetIdTokenAsync());

        new DateTimeOffset(token.IssuedAt, TimeSpan.Zero).Should().Be(Host.Time.GetUtcNow().AddMinutes(5));
        token.ValidTo.Should().BeAfter(token.IssuedAt);
    }

    [Fact]
    public async Task ExtraAudienceInIdToken_AddsAnotherClientWithoutAzp()
    {
        Host.Faults.ExtraAudienceInIdToken = true;

        var token = await ValidateIdTokenAsync(await LoginAndGetIdTokenAsync());

        token.Audiences.Should().BeEquivalentTo(SimulatorHost.ClientId, IdPortenSimulatorFaults.ForeignClientId);
        token.TryGetPayloadValue<string>("azp", out _).Should().BeFalse();
    }

    [Fact]
    public async Task ForeignAudienceInIdToken_NamesOnlyAnotherClient()
    {
        Host.Faults.ForeignAudienceInIdToken = true;

        var token = await ValidateIdTokenAsync(await LoginAndGetIdTokenAsync(), audience: IdPortenSimulatorFaults.ForeignClientId);

        token.Audiences.Should().Equal(IdPortenSimulatorFaults.ForeignClientId);
    }

    [Fact]
    public async Task ForeignAzpInIdToken_NamesAnotherClientAsAzp()
    {
        Host.Faults.ForeignAzpInIdToken = true;

        var token = await ValidateIdTokenAsync(await LoginAndGetIdTokenAsync());

        token.GetPayloadValue<string>("azp").Should().Be(IdPortenSimulatorFaults.ForeignClientId);
    }

    [Fact]
    public async Task ErrorInsteadOfLogin_LogInAnswersThatErrorWithStateAndIss_AndNoCode()
    {
        Host.Faults.ErrorInsteadOfLogin = "temporarily_unavailable";

        var back = await LoginRedirectAsync();

        back["error"].Should().Be("temporarily_unavailable");
        back["state"].Should().Be("state-123");
        back["iss"].Should().Be(SimulatorHost.Issuer);
        back.Should().NotContainKey("code");
    }

    [Fact]
    public async Task Reset_RestoresCorrectBehaviour()
    {
        Host.Faults.ErrorInsteadOfLogin = "server_error";
        Host.Faults.WrongIssuerInAuthorizationResponse = true;
        Host.Faults.WrongIssuerInIdToken = true;
        Host.Faults.OmitIssInAuthorizationResponse = true;
        Host.Faults.IdTokenExpiredAgo = TimeSpan.FromMinutes(5);
        Host.Faults.IdTokenIssuedAhead = TimeSpan.FromMinutes(5);
        Host.Faults.ExtraAudienceInIdToken = true;
        Host.Faults.ForeignAudienceInIdToken = true;
        Host.Faults.ForeignAzpInIdToken = true;

        Host.Faults.Reset();

        (await LoginRedirectAsync())["iss"].Should().Be(SimulatorHost.Issuer);
        var token = new JsonWebToken(await LoginAndGetIdTokenAsync());
        token.Issuer.Should().Be(SimulatorHost.Issuer);
        token.Audiences.Should().Equal(SimulatorHost.ClientId);
        token.TryGetPayloadValue<string>("azp", out _).Should().BeFalse();
        new DateTimeOffset(token.IssuedAt, TimeSpan.Zero).Should().Be(Host.Time.GetUtcNow());
    }
}
