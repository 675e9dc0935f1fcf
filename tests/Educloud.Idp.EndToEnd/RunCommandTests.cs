using System.Net;
using System.Text.Json;
using Educloud.Idp.EndToEnd.Infrastructure;
using Microsoft.Playwright;

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

    /// <summary>
    /// Issue 9: the fixture starts the IdP on a free port (not 5000) without IdPorten:Issuer, as
    /// <c>dotnet run --urls http://127.0.0.1:8080</c> does. Before the fix the simulator's issuer stayed
    /// at localhost:5000 and "Log in with ID-porten" ended in an unhandled exception (500).
    /// </summary>
    [Fact]
    public async Task NonDefaultPortWithoutIssuerSetting_IdPortenLoginGoesThroughSimulatorOnSamePort()
    {
        var page = await NewPageAsync();
        await page.GotoAsync(Idp.Url("/account/login").AbsoluteUri);

        await LoginSteps.ChooseIdPortenAsync(page);
        page.Url.Should().StartWith(Idp.Url("/idporten-sim/authorize").AbsoluteUri);

        // Only the hand-over back: the second factor is other tests' business (and its codes are per person and 30 s).
        await page.GetByRole(AriaRole.Group, new() { Name = "Synthetic person" }).GetByRole(AriaRole.Radio).Nth(3).CheckAsync();
        await page.GetByRole(AriaRole.Radio, new() { Name = "Substantial" }).CheckAsync();
        var back = await page.RunAndWaitForResponseAsync(
            () => page.GetByRole(AriaRole.Button, new() { Name = "Log in", Exact = true }).ClickAsync(),
            response => response.Url.StartsWith(Idp.Url("/federation/idporten/callback").AbsoluteUri, StringComparison.Ordinal));
        back.Status.Should().BeLessThan(400, "the IdP accepts the simulator's answer on its own address");
        await Assertions.Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/account/"));
        page.Url.Should().StartWith(Idp.BaseUri.AbsoluteUri);
    }
}
