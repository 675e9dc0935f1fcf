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
    public async Task Reset_RestoresCorrectBehaviour()
    {
        Host.Faults.WrongIssuerInAuthorizationResponse = true;
        Host.Faults.WrongIssuerInIdToken = true;
        Host.Faults.OmitIssInAuthorizationResponse = true;

        Host.Faults.Reset();

        (await LoginRedirectAsync())["iss"].Should().Be(SimulatorHost.Issuer);
        new JsonWebToken(await LoginAndGetIdTokenAsync()).Issuer.Should().Be(SimulatorHost.Issuer);
    }
}
