using System.Net;
using System.Text.Json;
using Educloud.Idp.Federation;
using Educloud.Idp.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using OpenIddict.Client;

namespace Educloud.Idp.Tests.Federation;

/// <summary>
/// ID-porten unreachable (its back-channel calls refused, or hanging): the person gets the IdP's own
/// error page (503) within the configured timeout, a replica that has the metadata keeps starting
/// logins, and /health/ready names ID-porten as the failing dependency (Degraded, still 200).
/// Each test has its own IdP: what a replica has fetched is the point.
/// </summary>
public sealed class IdPortenUnreachableTests : IDisposable
{
    private readonly IdpHost idp = new(new Dictionary<string, string?>
    {
        // A 1-s budget: a hanging ID-porten still ends the request (OpenIddict's default waits a minute per try).
        ["IdPorten:BackchannelTimeout"] = "00:00:01",
    });

    public void Dispose() => idp.Dispose();

    [Theory]
    [InlineData(UpstreamOutage.Refused)]
    [InlineData(UpstreamOutage.Hangs)]
    public async Task IdPortenUnreachableAtLoginStart_ShowsOwnErrorPage503(UpstreamOutage outage)
    {
        idp.Outage = outage;
        var browser = idp.NewBrowser();
        var login = await browser.GetAsync(IdpHost.Origin + "/account/login");

        // With the hanging outage this returns only because the 1-s BackchannelTimeout is honoured.
        var page = await browser.SubmitAsync(login);

        page.Status.Should().Be(HttpStatusCode.ServiceUnavailable, page.Body);
        page.Response.Content.Headers.ContentType!.MediaType.Should().Be("text/html");
        page.Document.QuerySelector("h1")!.TextContent.Should().Be("Login is unavailable right now");
        page.Body.Should().NotContain("error_description").And.NotContain("ID2170").And.NotContain("server_error");
        idp.Logs.Lines.Should().Contain(line => line.Contains("[2012]", StringComparison.Ordinal));
        idp.Outage.Should().Be(outage, "the outage was in force");
        idp.OutageHit.Task.IsCompleted.Should().BeTrue("the IdP did try to reach ID-porten");
    }

    [Fact]
    public async Task IdPortenUnreachableAfterMetadataWasFetched_LoginsStillStart()
    {
        var first = idp.NewBrowser();
        (await first.SubmitAsync(await first.GetAsync(IdpHost.Origin + "/account/login"))).Address.AbsolutePath.Should().Be("/idporten-sim/authorize");

        // ID-porten goes away and the metadata is refreshed (as OpenIddict asks when it meets an unknown key).
        idp.Outage = UpstreamOutage.Refused;
        var registration = await idp.Services.GetRequiredService<OpenIddictClientService>().GetClientRegistrationByProviderNameAsync(FederationExtensions.ProviderName);
        registration.ConfigurationManager!.RequestRefresh();
        await idp.OutageHit.Task.WaitAsync(TimeSpan.FromSeconds(30));

        var second = idp.NewBrowser();
        var page = await second.SubmitAsync(await second.GetAsync(IdpHost.Origin + "/account/login"));

        page.Address.AbsolutePath.Should().Be("/idporten-sim/authorize", "the last good metadata is used: " + page.Body);
        idp.UpstreamRequests.Should().Contain(request => request.EndsWith("/.well-known/openid-configuration", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(UpstreamOutage.Refused)]
    [InlineData(UpstreamOutage.Hangs)]
    public async Task HealthReady_WhenIdPortenIsUnreachable_IsDegradedNamingIt(UpstreamOutage outage)
    {
        idp.Outage = outage;
        using var client = idp.NewBackchannel();

        using var response = await client.GetAsync("/health/ready");

        response.StatusCode.Should().Be(HttpStatusCode.OK, "ID-porten down must not take every replica out of the load balancer");
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        body.GetProperty("status").GetString().Should().Be("Degraded");
        body.GetProperty("checks").GetProperty("idporten").GetProperty("status").GetString().Should().Be("Degraded");
        body.GetProperty("checks").GetProperty("database").GetProperty("status").GetString().Should().Be("Healthy");
    }

    [Fact]
    public async Task HealthReady_WhenIdPortenIsUp_IsHealthy_AndProbesItOnceForManyChecks()
    {
        using var client = idp.NewBackchannel();

        for (var i = 0; i < 5; i++)
        {
            using var response = await client.GetAsync("/health/ready");
            response.StatusCode.Should().Be(HttpStatusCode.OK);
            var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
            body.GetProperty("status").GetString().Should().Be("Healthy");
            body.GetProperty("checks").GetProperty("idporten").GetProperty("status").GetString().Should().Be("Healthy");
        }

        idp.UpstreamRequests.Count(request => request.EndsWith("/.well-known/openid-configuration", StringComparison.Ordinal))
            .Should().Be(1, "the answer is cached for IdPortenAvailability.ProbeCacheDuration");
    }
}
