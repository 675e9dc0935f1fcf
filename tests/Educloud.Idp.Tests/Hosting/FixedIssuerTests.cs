using System.Text.Json;
using Educloud.Idp.Tests.Infrastructure;
using Microsoft.IdentityModel.JsonWebTokens;

namespace Educloud.Idp.Tests.Hosting;

/// <summary>
/// Server:Issuer fixes who the IdP says it is: a request with a forged Host header gets the configured
/// issuer in discovery, in its endpoint URLs, in the authorization response and in the id_token's iss
/// (issue 10, "Behind a proxy").
/// </summary>
public sealed class FixedIssuerTests
{
    private const string Issuer = IdpHost.Origin + "/";
    private const string ForgedHost = "evil.example";

    [Fact]
    public async Task Discovery_WithForgedHost_NamesTheConfiguredIssuerAndItsEndpoints()
    {
        using var idp = new IdpHost(new Dictionary<string, string?> { ["Server:Issuer"] = IdpHost.Origin });

        var discovery = await DiscoveryAsync(idp, ForgedHost);

        discovery.GetProperty("issuer").GetString().Should().Be(Issuer);
        var urls = discovery.EnumerateObject()
            .Where(p => p.Name.EndsWith("_endpoint", StringComparison.Ordinal) || p.Name == "jwks_uri")
            .Select(p => p.Value.GetString()!)
            .ToList();
        urls.Should().Contain(Issuer + ".well-known/jwks").And.Contain(Issuer + "connect/token");
        urls.Should().OnlyContain(url => url.StartsWith(Issuer, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Discovery_WithoutIssuerInDevelopment_FollowsTheRequest()
    {
        using var idp = new IdpHost();

        var discovery = await DiscoveryAsync(idp, "other.example");

        discovery.GetProperty("issuer").GetString().Should().Be("https://other.example/");
    }

    [Fact]
    public async Task Login_WithForgedHostOnEveryRequest_GetsTheConfiguredIssuerInResponseAndIdToken()
    {
        using var idp = new IdpHost(new Dictionary<string, string?> { ["Server:Issuer"] = IdpHost.Origin });
        var browser = idp.NewBrowser();
        browser.Headers["Host"] = ForgedHost;

        // Through ID-porten (the simulator knows only the callback on the issuer, and OpenIddict's
        // client compares the callback's URL with the redirect_uri it sent), then a code for the app.
        var page = await Flows.LogInAtIdPortenAsync(browser, await browser.GetAsync(IdpHost.Origin + "/account/login"), Flows.NewPid());
        page.Address.AbsolutePath.Should().Be("/", page.Body);
        var pkce = Pkce.New();
        await browser.GetAsync(Flows.AuthorizeUrl(pkce: pkce));
        var response = Flows.RedirectParameters(browser);
        response["iss"].Should().Be(Issuer, "RFC 9207: the authorization response names the issuer");

        using var backchannel = idp.NewBackchannel();
        backchannel.DefaultRequestHeaders.Host = ForgedHost;
        var (status, tokens) = await Flows.RedeemCodeAsync(backchannel, response["code"], pkce);

        status.Should().Be(200, tokens.ToString());
        new JsonWebToken(tokens.GetProperty("id_token").GetString()).Issuer.Should().Be(Issuer);
        new JsonWebToken(tokens.GetProperty("access_token").GetString()).Issuer.Should().Be(Issuer);
    }

    private static async Task<JsonElement> DiscoveryAsync(IdpHost idp, string host)
    {
        using var client = idp.NewBackchannel();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/.well-known/openid-configuration");
        request.Headers.Host = host;
        using var response = await client.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        response.IsSuccessStatusCode.Should().BeTrue(body);
        return JsonDocument.Parse(body).RootElement.Clone();
    }
}
