using System.Net;
using System.Text.Json;
using Educloud.Idp.EndToEnd.Infrastructure;

namespace Educloud.Idp.EndToEnd;

public sealed class RunCommandTests(EndToEndFixture fixture, ITestOutputHelper output) : EndToEndTest(fixture, output)
{
    [Fact]
    public async Task NewcomerRunCommand_ServesDiscovery()
    {
        using var http = new HttpClient();

        using var response = await http.GetAsync(Idp.Url("/.well-known/openid-configuration"));

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        response.Content.Headers.ContentType?.MediaType.Should().Be("application/json");
        using var discovery = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var issuer = $"http://{EndToEndFixture.Host}:{Idp.BaseUri.Port}/";
        discovery.RootElement.GetProperty("issuer").GetString().Should().Be(issuer);
        discovery.RootElement.GetProperty("authorization_endpoint").GetString().Should().StartWith(issuer);
        discovery.RootElement.GetProperty("token_endpoint").GetString().Should().StartWith(issuer);
        discovery.RootElement.GetProperty("jwks_uri").GetString().Should().StartWith(issuer);
    }
}
