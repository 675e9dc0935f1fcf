using System.Net;
using Educloud.Idp.Settings;
using Educloud.Idp.Tests.Infrastructure;
using Educloud.Idp.Totp;
using Microsoft.Extensions.Options;

namespace Educloud.Idp.Tests.Totp;

/// <summary>
/// A per-client-IP limit on code submissions stops spraying; the lockout protects each account.
/// The client IP is the peer, or what a configured proxy (ForwardedHeaders:TrustedProxies) reports.
/// </summary>
public sealed class RateLimitTests : IDisposable
{
    private const string Limit = "3";

    private readonly List<IdpHost> hosts = [];

    public void Dispose()
    {
        foreach (var host in hosts)
        {
            host.Dispose();
        }
    }

    [Fact]
    public async Task CodeSubmissionsFromOneAddress_BeyondTheLimit_Get429()
    {
        var browser = Host().NewBrowser();
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 5; i++)
        {
            statuses.Add((await browser.PostFormAsync(IdpHost.Origin + "/account/code", [new("code", "123456")])).Status);
        }

        statuses.Take(3).Should().NotContain(HttpStatusCode.TooManyRequests);
        statuses.Skip(3).Should().AllBeEquivalentTo(HttpStatusCode.TooManyRequests);
    }

    [Theory]
    [InlineData("/account/code")]
    [InlineData("/account/enroll")]
    public async Task HundredPageViews_DoNotUseTheBudget_ASubmissionAfterThemIsServed(string page)
    {
        // Behind a campus NAT every person's page views come from one address: they must not use up
        // the budget of code submissions.
        var idp = Host();
        for (var i = 0; i < 100; i++)
        {
            (await SendAsync(idp, HttpMethod.Get, page, peer: "198.51.100.7")).Should().NotBe(HttpStatusCode.TooManyRequests);
        }

        (await SendAsync(idp, HttpMethod.Post, page, peer: "198.51.100.7")).Should().NotBe(HttpStatusCode.TooManyRequests);
    }

    [Fact]
    public async Task ForwardedForFromAnUntrustedPeer_IsIgnored_SpoofedAddressesShareThePeersBudget()
    {
        // Loopback is no longer trusted by default: a client on the same host (or any client, when
        // nothing is configured) cannot buy a fresh budget per request with a made-up X-Forwarded-For.
        var idp = Host();
        for (var i = 0; i < 3; i++)
        {
            (await SendAsync(idp, HttpMethod.Post, "/account/code", peer: "127.0.0.1", forwardedFor: $"203.0.113.{i + 1}"))
                .Should().NotBe(HttpStatusCode.TooManyRequests);
        }

        (await SendAsync(idp, HttpMethod.Post, "/account/code", peer: "127.0.0.1", forwardedFor: "203.0.113.99"))
            .Should().Be(HttpStatusCode.TooManyRequests);
    }

    [Fact]
    public async Task ForwardedForFromATrustedProxy_IsThePartition_EachClientHasItsOwnBudget()
    {
        var idp = Host(new() { ["ForwardedHeaders:TrustedProxies:0"] = "10.0.0.0/8", ["ForwardedHeaders:TrustedProxies:1"] = "192.0.2.10" });
        foreach (var client in new[] { "203.0.113.1", "203.0.113.2" })
        {
            for (var i = 0; i < 3; i++)
            {
                (await SendAsync(idp, HttpMethod.Post, "/account/code", peer: "10.1.2.3", forwardedFor: client))
                    .Should().NotBe(HttpStatusCode.TooManyRequests, $"{client} has a budget of its own");
            }
        }

        // Through two proxies (192.0.2.10 appended what 10.1.2.3 sent it): the right-most untrusted
        // address is the client, whatever the client wrote to the left of it.
        (await SendAsync(idp, HttpMethod.Post, "/account/code", peer: "192.0.2.10", forwardedFor: "198.51.100.50, 203.0.113.1, 10.9.9.9"))
            .Should().Be(HttpStatusCode.TooManyRequests, "the client is 203.0.113.1, whose budget is spent");
        (await SendAsync(idp, HttpMethod.Post, "/account/code", peer: "10.1.2.3", forwardedFor: "203.0.113.1, 203.0.113.3"))
            .Should().NotBe(HttpStatusCode.TooManyRequests, "the client is 203.0.113.3; the spoofed entry left of it is not believed");
    }

    [Theory]
    [InlineData("10.0.0.1/8")]
    [InlineData("10.0.0.0/33")]
    [InlineData("proxy.example")]
    [InlineData("10.5")]
    public void TrustedProxy_NotAnAddressOrNetwork_RefusesToStartNamingTheKey(string entry)
    {
        var idp = Host(new() { ["ForwardedHeaders:TrustedProxies:0"] = "10.0.0.5", ["ForwardedHeaders:TrustedProxies:1"] = entry });

        var start = () => idp.Server;

        start.Should().Throw<Exception>().Which.ToString().Should().Contain("ForwardedHeaders:TrustedProxies:1");
    }

    [Theory]
    [InlineData("10.0.0.5")]
    [InlineData("10.0.0.0/8")]
    [InlineData("2001:db8::/32")]
    [InlineData("::1")]
    public void TrustedProxy_AddressOrNetwork_IsValid(string entry) =>
        new ForwardedHeadersSettingsValidator().Validate(null, new ForwardedHeadersSettings { TrustedProxies = [entry] }).Succeeded.Should().BeTrue();

    [Theory]
    [InlineData(0)]
    [InlineData(101)]
    public void MaxFailedAttempts_OutsideOneToHundred_IsRefusedNamingTheKey(int attempts)
    {
        new TotpOptionsValidator().Validate(null, new TotpOptions { MaxFailedAttempts = attempts }).FailureMessage.Should().Contain("Totp:MaxFailedAttempts");
    }

    private IdpHost Host(Dictionary<string, string?>? settings = null)
    {
        settings ??= [];
        settings["Totp:SubmissionsPerIpPerMinute"] = Limit;
        var host = new IdpHost(settings);
        hosts.Add(host);
        return host;
    }

    private static async Task<HttpStatusCode> SendAsync(IdpHost idp, HttpMethod method, string path, string peer, string? forwardedFor = null)
    {
        using var client = new HttpClient(idp.Server.CreateHandler()) { BaseAddress = new Uri(IdpHost.Origin) };
        using var request = new HttpRequestMessage(method, path);
        request.Headers.Add(IdpHost.PeerHeader, peer);
        if (forwardedFor is not null)
        {
            request.Headers.Add("X-Forwarded-For", forwardedFor);
        }

        if (method == HttpMethod.Post)
        {
            request.Content = new FormUrlEncodedContent([new("code", "123456")]);
        }

        using var response = await client.SendAsync(request);
        return response.StatusCode;
    }
}
