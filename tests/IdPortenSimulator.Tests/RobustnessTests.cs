using System.Net.Http.Headers;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Options;

namespace Educloud.IdPortenSimulator.Tests;

public sealed class RobustnessTests : SimulatorTestBase
{
    [Theory]
    [InlineData("GET", "/idporten-sim/authorize?%ZZ=1&client_id=%FF%FE", null, null)]
    [InlineData("GET", "/idporten-sim/authorize?client_id=test-client&redirect_uri=%00", null, null)]
    [InlineData("GET", "/idporten-sim/authorize?client_id=test-client&client_id=test-client", null, null)]
    [InlineData("GET", "/idporten-sim/authorize", null, null)]
    [InlineData("POST", "/idporten-sim/authorize", "%%%&&==", null)]
    [InlineData("POST", "/idporten-sim/token", "%%%&&==", null)]
    [InlineData("POST", "/idporten-sim/token", "grant_type=authorization_code", "Basic !!!!")]
    [InlineData("POST", "/idporten-sim/token", "grant_type=authorization_code", "Basic bm9jb2xvbg==")]
    [InlineData("POST", "/idporten-sim/token", "grant_type=authorization_code", "Bearer abc")]
    [InlineData("POST", "/idporten-sim/token", "client_assertion_type=urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer&client_assertion=a.b.c", null)]
    [InlineData("POST", "/idporten-sim/token", "client_assertion_type=urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer&client_assertion=eyJhbGciOiJub25lIn0.e30.", null)]
    [InlineData("GET", "/idporten-sim/endsession?id_token_hint=abc.def.ghi", null, null)]
    [InlineData("GET", "/idporten-sim/endsession?id_token_hint=eyJhbGciOiJub25lIn0.e30.&client_id=test-client", null, null)]
    [InlineData("GET", "/idporten-sim/endsession?client_id=nobody", null, null)]
    [InlineData("POST", "/idporten-sim/endsession", "id_token_hint=%FF&id_token_hint=x", null)]
    [InlineData("GET", "/idporten-sim/userinfo", null, "Bearer")]
    [InlineData("GET", "/idporten-sim/token", null, null)]
    [InlineData("POST", "/idporten-sim/par", "%%%&&==", null)]
    [InlineData("POST", "/idporten-sim/par", "client_id=test-client&response_type=code", null)]
    [InlineData("GET", "/idporten-sim/authorize?client_id=test-client&request_uri=urn%3Aietf%3Aparams%3Aoauth%3Arequest_uri%3Anope", null, null)]
    [InlineData("GET", "/idporten-sim/authorize?client_id=test-client&request_uri=a&request_uri=b", null, null)]
    public async Task MalformedRequest_GetsA4xxWithoutDetails(string method, string path, string? form, string? authorization)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (form is not null)
        {
            request.Content = new StringContent(form, Encoding.ASCII, "application/x-www-form-urlencoded");
        }

        if (authorization is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", authorization);
        }

        using var response = await Client.SendAsync(request);

        ((int)response.StatusCode).Should().BeInRange(400, 499);
        response.Headers.Location.Should().BeNull();
        (await response.Content.ReadAsStringAsync()).Should().NotContain("Exception").And.NotContain("   at ");
    }

    /// <summary>Issue 11: no session to end is ID-porten's error page (once a 200 "logged out" page).</summary>
    [Fact]
    public async Task EndSession_WithoutAnything_RendersTheNoSessionErrorPage()
    {
        using var response = await Client.GetAsync("/idporten-sim/endsession");

        response.StatusCode.Should().Be(System.Net.HttpStatusCode.BadRequest);
        response.Headers.Location.Should().BeNull();
        response.Content.Headers.ContentType.Should().BeEquivalentTo(MediaTypeHeaderValue.Parse("text/html; charset=utf-8"));
        (await response.Content.ReadAsStringAsync()).Should().Contain("No login session to end");
    }

    [Fact]
    public async Task AddIdPortenSimulator_WithRelativeRedirectUri_FailsAtStart()
    {
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseTestServer();
        builder.Services.AddIdPortenSimulator(options =>
        {
            var client = new SimulatedClient { ClientId = "bad", ClientSecret = "x" };
            client.RedirectUris.Add("/callback");
            options.Clients.Add(client);
        });
        await using var app = builder.Build();
        app.MapIdPortenSimulator();

        var start = () => app.StartAsync();

        (await start.Should().ThrowAsync<OptionsValidationException>()).Which.Message.Should().Contain("/callback");
    }
}
