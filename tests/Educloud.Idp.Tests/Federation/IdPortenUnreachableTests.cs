using System.Net;
using System.Text.Json;
using Educloud.Idp.Federation;
using Educloud.Idp.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.Protocols;
using OpenIddict.Abstractions;
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
    private IdpHost? host;

    public void Dispose() => host?.Dispose();

    /// <summary>
    /// An IdP whose calls to ID-porten have <paramref name="timeout"/>: 1 s where ID-porten hangs (the
    /// request still ends, where OpenIddict's default waits a minute per try); null keeps IdpHost's
    /// generous test default, where a first, cold fetch must succeed on a busy test machine.
    /// </summary>
    private IdpHost Start(string? timeout = "00:00:01") => host = new IdpHost(
        timeout is null ? null : new Dictionary<string, string?> { ["IdPorten:BackchannelTimeout"] = timeout });

    [Theory]
    [InlineData(UpstreamOutage.Refused)]
    [InlineData(UpstreamOutage.Hangs)]
    public async Task IdPortenUnreachableAtLoginStart_ShowsOwnErrorPage503(UpstreamOutage outage)
    {
        var idp = Start();
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
    public async Task IdPortenUnreachableAfterMetadataWasFetched_LoginStillReachesItsParEndpoint()
    {
        var idp = Start(timeout: null);
        var first = idp.NewBrowser();
        (await first.SubmitAsync(await first.GetAsync(IdpHost.Origin + "/account/login"))).Address.AbsolutePath.Should().Be("/idporten-sim/authorize");

        // ID-porten goes away and the metadata is refreshed (as OpenIddict asks when it meets an unknown key).
        idp.Outage = UpstreamOutage.Refused;
        var registration = await idp.Services.GetRequiredService<OpenIddictClientService>().GetClientRegistrationByProviderNameAsync(FederationExtensions.ProviderName);
        registration.ConfigurationManager!.RequestRefresh();
        await idp.OutageHit.Task.WaitAsync(TimeSpan.FromSeconds(30));

        // Issue 11: a login now starts with a call to ID-porten itself (PAR, which the simulator
        // advertises as ID-porten does), so while ID-porten is down no login can start. What the
        // failed refresh must not cost is the metadata: the login goes as far as ID-porten's PAR
        // endpoint, which only the last good metadata names, and ends on our own 503 page.
        var pushesBefore = idp.UpstreamRequests.Count(IsPush);
        var second = idp.NewBrowser();
        var page = await second.SubmitAsync(await second.GetAsync(IdpHost.Origin + "/account/login"));

        page.Status.Should().Be(HttpStatusCode.ServiceUnavailable, page.Body);
        idp.UpstreamRequests.Count(IsPush).Should().BeGreaterThan(pushesBefore, "the last good metadata is used: it names the PAR endpoint");
    }

    /// <summary>
    /// Issue 11: ID-porten reachable but refusing the pushed request (here a redirect URI on a host
    /// it does not know, as the fuzz test's Host headers make): a 400, since trying again later
    /// would not help; once a 503 with Retry-After, which the fuzz test rightly refused.
    /// </summary>
    [Fact]
    public async Task IdPortenRefusingThePushedRequest_Shows400WithoutRetryAfter()
    {
        var idp = Start(timeout: null);
        var browser = idp.NewBrowser();
        var login = await browser.GetAsync(IdpHost.Origin + "/account/login");
        browser.Headers["Host"] = "unknown-host.example";

        var page = await browser.SubmitAsync(login);

        page.Status.Should().Be(HttpStatusCode.BadRequest, page.Body);
        page.Response.Headers.RetryAfter.Should().BeNull();
        idp.Logs.Lines.Should().Contain(line => line.Contains("[2012]", StringComparison.Ordinal));
    }

    private static bool IsPush(string request) => request == "POST /idporten-sim/par";

    [Fact]
    public async Task IdPortenMetadataMissingAtLogout_OurLogoutStillCompletes()
    {
        var idp = Start(timeout: null);
        var browser = idp.NewBrowser();
        (await Flows.LogInAtIdPortenAsync(browser, await browser.GetAsync(IdpHost.Origin + "/account/login"), Flows.NewPid())).Address.AbsolutePath.Should().Be("/");

        // As on a replica that restarted while ID-porten is down: no metadata to send the person on with.
        var registration = await idp.Services.GetRequiredService<OpenIddictClientService>().GetClientRegistrationByProviderNameAsync(FederationExtensions.ProviderName);
        registration.ConfigurationManager = new NoMetadata();
        var page = await browser.SubmitAsync(await browser.GetAsync(IdpHost.Origin + "/"), "form[action='/account/logout']");

        page.Address.AbsolutePath.Should().Be("/", page.Body);
        page.Status.Should().Be(HttpStatusCode.OK);
        idp.Logs.Lines.Should().Contain(line => line.Contains("[2013]", StringComparison.Ordinal));
        (await browser.GetAsync(Flows.AuthorizeUrl())).Address.AbsolutePath.Should().Be("/account/login", "our session is over all the same");
    }

    [Theory]
    [InlineData(UpstreamOutage.Refused)]
    [InlineData(UpstreamOutage.Hangs)]
    public async Task HealthReady_WhenIdPortenIsUnreachable_IsDegradedNamingIt(UpstreamOutage outage)
    {
        var idp = Start();
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
        var idp = Start(timeout: null);
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

    private sealed class NoMetadata : IConfigurationManager<OpenIddictConfiguration>
    {
        public Task<OpenIddictConfiguration> GetConfigurationAsync(CancellationToken cancel) =>
            throw new InvalidOperationException("IDX20803: Unable to obtain configuration (test).");

        public void RequestRefresh()
        {
        }
    }
}
