using System.Net;

namespace Educloud.IdPortenSimulator.Tests;

/// <summary>The issuer with a trailing slash (IssuerWithTrailingSlash); without one is the default, covered everywhere else.</summary>
public sealed class IssuerTests : SimulatorTestBase
{
    private const string SlashIssuer = SimulatorHost.Issuer + "/";

    [Fact]
    public async Task Discovery_WithTrailingSlash_GivesThatIssuerAndEndpointsWithoutDoubleSlash()
    {
        await RestartAsync(o => o.IssuerWithTrailingSlash = true);

        var json = await SimulatorHost.JsonAsync(await Client.GetAsync("/idporten-sim/.well-known/openid-configuration"));

        json.GetProperty("issuer").GetString().Should().Be(SlashIssuer);
        json.GetProperty("authorization_endpoint").GetString().Should().Be(SimulatorHost.Issuer + "/authorize");
        json.GetProperty("pushed_authorization_request_endpoint").GetString().Should().Be(SimulatorHost.Issuer + "/par");
    }

    [Fact]
    public async Task CodeFlow_WithTrailingSlash_PutsThatIssuerInIssAndTheIdToken()
    {
        await RestartAsync(o => o.IssuerWithTrailingSlash = true);
        var verifier = SimulatorHost.NewVerifier();
        using var redirect = await Host.LoginAsync(SimulatorHost.AuthorizeParameters(verifier));
        var back = SimulatorHost.RedirectParameters(redirect);

        using var response = await Host.RedeemWithBasicAsync(back["code"], verifier);

        back["iss"].Should().Be(SlashIssuer);
        var token = await ValidateIdTokenAsync((await SimulatorHost.JsonAsync(response)).GetProperty("id_token").GetString()!, issuer: SlashIssuer);
        token.Issuer.Should().Be(SlashIssuer);
    }

    [Theory]
    [InlineData(SimulatorHost.Issuer)]
    [InlineData(SlashIssuer)]
    public async Task PrivateKeyJwt_WithTrailingSlashIssuer_AcceptsTheIssuerWithOrWithoutIt(string audience)
    {
        await RestartAsync(o => o.IssuerWithTrailingSlash = true);
        var verifier = SimulatorHost.NewVerifier();
        var code = await Host.GetCodeAsync(SimulatorHost.AuthorizeParameters(verifier, SimulatorHost.JwtClientId));

        using var response = await RedeemWithAssertionAsync(code, verifier, ClientAssertion(Host.Time.GetUtcNow(), audience: audience));

        response.StatusCode.Should().Be(HttpStatusCode.OK);
    }
}
