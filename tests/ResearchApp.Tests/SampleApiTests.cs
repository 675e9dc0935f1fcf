using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Educloud.Idp.Tests.Infrastructure;

namespace Educloud.ResearchApp.Tests;

/// <summary>The sample's API validates the IdP's access tokens as a resource server: signature (JWKS), typ, iss, aud, lifetime.</summary>
public sealed class SampleApiTests(ResearchAppFixture fixture) : IClassFixture<ResearchAppFixture>
{
    [Fact]
    public async Task CallApiPage_SendsTheLoggedInPersonsAccessToken_TheApiAcceptsIt()
    {
        var (browser, home, _) = await fixture.LogInAsync();

        var page = await browser.GetAsync(ResearchAppHost.Origin + "/call-api");

        page.Status.Should().Be(HttpStatusCode.OK, page.Body);
        HomePage.Field(page, "api-status").Should().Be("200");
        using var answer = JsonDocument.Parse(HomePage.Field(page, "api-body"));
        answer.RootElement.GetProperty("sub").GetString().Should().Be(HomePage.Field(home, "sub"));
        answer.RootElement.GetProperty("acr").GetString().Should().Be(ResearchAppFixture.AskedLevel);
        answer.RootElement.GetProperty("aud").EnumerateArray().Select(a => a.GetString()).Should().Equal(ResearchAppHost.ClientId);
    }

    [Fact]
    public async Task OurAccessToken_IsAccepted()
    {
        var accessToken = await AccessTokenAsync();

        var (status, body) = await WhoAmIAsync(accessToken);

        status.Should().Be(HttpStatusCode.OK, body);
    }

    [Fact]
    public async Task NoToken_Is401()
    {
        var (status, _) = await WhoAmIAsync(null);

        status.Should().Be(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task TokenForAnotherAudience_IsRefused()
    {
        // A token the IdP issued, validly signed, for another API (a machine client's own audience).
        using var backchannel = fixture.Idp.NewBackchannel();
        var (tokenStatus, tokens) = await Flows.TokenAsync(backchannel, new Dictionary<string, string> { ["grant_type"] = "client_credentials" },
            IdpHost.MachineClientId, IdpHost.MachineSecret);
        tokenStatus.Should().Be(200, tokens.ToString());

        var (status, body) = await WhoAmIAsync(tokens.GetProperty("access_token").GetString());

        status.Should().Be(HttpStatusCode.Unauthorized, body);
    }

    [Fact]
    public async Task TamperedToken_IsRefused()
    {
        var parts = (await AccessTokenAsync()).Split('.');
        using var payload = JsonDocument.Parse(Base64UrlDecode(parts[1]));
        var changed = payload.RootElement.EnumerateObject().ToDictionary(p => p.Name, p => p.Name == "sub" ? JsonSerializer.SerializeToElement("someone-else") : p.Value.Clone());
        var tampered = parts[0] + "." + Base64UrlEncode(JsonSerializer.SerializeToUtf8Bytes(changed)) + "." + parts[2];

        var (status, body) = await WhoAmIAsync(tampered);

        status.Should().Be(HttpStatusCode.Unauthorized, body);
    }

    [Fact]
    public async Task IdToken_AsABearerToken_IsRefused()
    {
        // Same signer, same audience (the app's client id): only typ tells it is not an access token.
        await fixture.LogInAsync();
        var idToken = fixture.App.Logins.Last().IdToken;

        var (status, body) = await WhoAmIAsync(idToken);

        status.Should().Be(HttpStatusCode.Unauthorized, body);
    }

    [Fact]
    public async Task ExpiredToken_IsRefused()
    {
        // This test moves time: its own IdP and app.
        await using var pair = await ResearchAppFixture.StartAsync();
        await pair.LogInAsync();
        var accessToken = pair.App.Logins.Last().AccessToken;
        (await WhoAmIAsync(accessToken, pair)).Status.Should().Be(HttpStatusCode.OK, "it is valid now");

        // Access tokens live 10 minutes; the API allows 1 minute of clock skew.
        pair.Clock.Advance(TimeSpan.FromMinutes(11.5));
        var (status, body) = await WhoAmIAsync(accessToken, pair);

        status.Should().Be(HttpStatusCode.Unauthorized, body);
    }

    private async Task<string> AccessTokenAsync()
    {
        await fixture.LogInAsync();
        return fixture.App.Logins.Last().AccessToken;
    }

    private Task<(HttpStatusCode Status, string Body)> WhoAmIAsync(string? accessToken) => WhoAmIAsync(accessToken, fixture);

    private static async Task<(HttpStatusCode Status, string Body)> WhoAmIAsync(string? accessToken, ResearchAppFixture pair)
    {
        using var client = pair.App.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { BaseAddress = new Uri(ResearchAppHost.Origin) });
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/whoami");
        if (accessToken is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        }

        using var response = await client.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    private static byte[] Base64UrlDecode(string value) => Microsoft.IdentityModel.Tokens.Base64UrlEncoder.DecodeBytes(value);

    private static string Base64UrlEncode(byte[] value) => Microsoft.IdentityModel.Tokens.Base64UrlEncoder.Encode(value);
}
