using System.Net;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Educloud.IdPortenSimulator.Tests;

/// <summary>private_key_jwt as Digdir registers it: RSA and RS256 only, kid, aud = issuer, short exp, jti once.</summary>
public sealed class ClientAuthenticationTests : SimulatorTestBase
{
    private async Task<HttpResponseMessage> RedeemAsync(string assertion)
    {
        var verifier = SimulatorHost.NewVerifier();
        var code = await Host.GetCodeAsync(SimulatorHost.AuthorizeParameters(verifier, SimulatorHost.JwtClientId));
        return await RedeemWithAssertionAsync(code, verifier, assertion);
    }

    private static async Task AssertInvalidClientAsync(HttpResponseMessage response, string because)
    {
        response.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        var json = await SimulatorHost.JsonAsync(response);
        json.GetProperty("error").GetString().Should().Be("invalid_client");
        json.GetProperty("error_description").GetString().Should().Contain(because);
    }

    [Fact]
    public async Task PrivateKeyJwt_AsDigdirAsks_IsAccepted()
    {
        using var response = await RedeemAsync(ClientAssertion(Host.Time.GetUtcNow()));

        response.StatusCode.Should().Be(HttpStatusCode.OK);
    }

    [Fact]
    public async Task PrivateKeyJwt_WithoutKid_IsInvalidClient()
    {
        using var response = await RedeemAsync(ClientAssertion(Host.Time.GetUtcNow(), kid: null));

        await AssertInvalidClientAsync(response, "kid");
    }

    [Fact]
    public async Task PrivateKeyJwt_WithUnregisteredKid_IsInvalidClient()
    {
        using var response = await RedeemAsync(ClientAssertion(Host.Time.GetUtcNow(), kid: "another-key"));

        await AssertInvalidClientAsync(response, "kid");
    }

    [Fact]
    public async Task PrivateKeyJwt_SignedWithEs256_IsInvalidClient()
    {
        using var ec = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var now = Host.Time.GetUtcNow();
        var assertion = new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false }.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = SimulatorHost.JwtClientId,
            Audience = SimulatorHost.Issuer,
            IssuedAt = now.UtcDateTime,
            Expires = now.AddSeconds(60).UtcDateTime,
            Claims = new Dictionary<string, object> { ["sub"] = SimulatorHost.JwtClientId, ["jti"] = Guid.NewGuid().ToString() },
            SigningCredentials = new SigningCredentials(new ECDsaSecurityKey(ec) { KeyId = SimulatorHost.JwtKeyId }, SecurityAlgorithms.EcdsaSha256),
        });

        using var response = await RedeemAsync(assertion);

        await AssertInvalidClientAsync(response, "RS256");
    }

    [Fact]
    public async Task PrivateKeyJwt_LivingLongerThan120Seconds_IsInvalidClient()
    {
        using var response = await RedeemAsync(ClientAssertion(Host.Time.GetUtcNow(), lifetime: TimeSpan.FromSeconds(121)));

        await AssertInvalidClientAsync(response, "120");
    }

    [Fact]
    public async Task PrivateKeyJwt_Living120Seconds_IsAccepted()
    {
        using var response = await RedeemAsync(ClientAssertion(Host.Time.GetUtcNow(), lifetime: TimeSpan.FromSeconds(120)));

        response.StatusCode.Should().Be(HttpStatusCode.OK);
    }

    [Fact]
    public async Task PrivateKeyJwt_WithoutIat_IsInvalidClient()
    {
        using var response = await RedeemAsync(ClientAssertion(Host.Time.GetUtcNow(), withIssuedAt: false));

        await AssertInvalidClientAsync(response, "iat");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task PrivateKeyJwt_WithIssuerAudienceWithOrWithoutTrailingSlash_IsAccepted(bool trailingSlash)
    {
        var audience = trailingSlash ? SimulatorHost.Issuer + "/" : SimulatorHost.Issuer;

        using var response = await RedeemAsync(ClientAssertion(Host.Time.GetUtcNow(), audience: audience));

        response.StatusCode.Should().Be(HttpStatusCode.OK);
    }

    [Fact]
    public async Task AddIdPortenSimulator_WithEcPublicKey_FailsAtStartNamingTheSetting()
    {
        using var ec = ECDsa.Create(ECCurve.NamedCurves.nistP256);

        var failure = await StartFailureAsync(new SimulatedClient { ClientId = "ec-client", PublicKeyPem = ec.ExportSubjectPublicKeyInfoPem(), KeyId = "k" });

        failure.Should().Contain("IdPortenSimulator:Clients:0:PublicKeyPem").And.Contain("EC key").And.Contain("RSA");
    }

    [Fact]
    public async Task AddIdPortenSimulator_WithPublicKeyButNoKeyId_FailsAtStartNamingTheSetting()
    {
        var failure = await StartFailureAsync(new SimulatedClient { ClientId = "no-kid", PublicKeyPem = Host.ClientKey.ExportSubjectPublicKeyInfoPem() });

        failure.Should().Contain("IdPortenSimulator:Clients:0:KeyId");
    }

    [Fact]
    public async Task AddIdPortenSimulator_WithShortRsaKey_FailsAtStart()
    {
        using var rsa = RSA.Create(1024);

        var failure = await StartFailureAsync(new SimulatedClient { ClientId = "short", PublicKeyPem = rsa.ExportSubjectPublicKeyInfoPem(), KeyId = "k" });

        failure.Should().Contain("1024 bits");
    }

    [Fact]
    public async Task AddIdPortenSimulator_WithZeroPushedRequestLifetime_FailsAtStartNamingTheSetting()
    {
        var failure = await StartFailureAsync(new SimulatedClient { ClientId = "c", ClientSecret = "s" }, o => o.PushedRequestLifetime = TimeSpan.Zero);

        failure.Should().Contain("IdPortenSimulator:PushedRequestLifetime");
    }

    /// <summary>The Host binds section IdPortenSimulator exactly so (src/IdPortenSimulator.Host/Program.cs).</summary>
    [Fact]
    public void Configuration_AsTheHostBindsIt_FillsTheNewSettings()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["IdPortenSimulator:RequirePushedAuthorizationRequests"] = "true",
            ["IdPortenSimulator:PushedRequestLifetime"] = "00:01:30",
            ["IdPortenSimulator:IssuerWithTrailingSlash"] = "true",
            ["IdPortenSimulator:SessionIdleTimeout"] = "00:10:00",
            ["IdPortenSimulator:Clients:0:ClientId"] = "idp",
            ["IdPortenSimulator:Clients:0:PublicKeyPem"] = "pem",
            ["IdPortenSimulator:Clients:0:KeyId"] = "kid-1",
            ["IdPortenSimulator:Clients:0:BackChannelLogoutUri"] = "https://idp.example/backchannel",
        }).Build();
        var options = new IdPortenSimulatorOptions();

        configuration.GetSection("IdPortenSimulator").Bind(options);

        options.RequirePushedAuthorizationRequests.Should().BeTrue();
        options.PushedRequestLifetime.Should().Be(TimeSpan.FromSeconds(90));
        options.IssuerWithTrailingSlash.Should().BeTrue();
        options.SessionIdleTimeout.Should().Be(TimeSpan.FromMinutes(10));
        options.Clients.Single().KeyId.Should().Be("kid-1");
        options.Clients.Single().BackChannelLogoutUri.Should().Be("https://idp.example/backchannel");
    }

    private static async Task<string> StartFailureAsync(SimulatedClient client, Action<IdPortenSimulatorOptions>? configure = null)
    {
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseTestServer();
        builder.Services.AddIdPortenSimulator(options =>
        {
            client.RedirectUris.Add("https://rp.example/callback");
            options.Clients.Add(client);
            configure?.Invoke(options);
        });
        await using var app = builder.Build();
        app.MapIdPortenSimulator();

        var start = () => app.StartAsync();

        return (await start.Should().ThrowAsync<OptionsValidationException>()).Which.Message;
    }
}
