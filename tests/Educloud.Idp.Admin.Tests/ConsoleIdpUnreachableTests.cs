extern alias console;

using System.Net;
using System.Net.Sockets;
using console::Educloud.Idp.Admin.Api;
using console::Educloud.Idp.Admin.Hosting;
using Educloud.Idp.Connect;
using Educloud.Idp.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using ConsoleProgram = console::Program;

namespace Educloud.Idp.Admin.Tests;

/// <summary>
/// Issue 9: when the IdP does not answer (its address points at a closed port, or it never answers),
/// the console says so and what to check (503, Idp:Authority), at sign-in and on an admin API call,
/// logs it with its event id, and shows no exception.
/// </summary>
public sealed class ConsoleIdpUnreachableTests(ConsoleFixture fixture) : IClassFixture<ConsoleFixture>
{
    private const int UnreachableEventId = 9102;

    [Fact]
    public async Task SignIn_IdpOnAClosedPort_Answers503WithTheSettingToCheck()
    {
        var authority = $"http://127.0.0.1:{ClosedPort()}";
        var logs = new CapturingLoggerProvider();
        await using var console = new WebApplicationFactory<ConsoleProgram>().WithWebHostBuilder(builder =>
        {
            builder.UseEnvironment("Development");
            builder.UseSetting("Idp:Authority", authority);
            builder.UseSetting("Idp:ClientId", ConsoleHost.ClientId);
            builder.UseSetting("Idp:ClientSecret", ConsoleHost.Secret);
            builder.ConfigureLogging(logging => logging.AddProvider(logs));
        });
        using var client = console.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        client.DefaultRequestHeaders.AcceptLanguage.ParseAdd("en"); // the page's English words are asserted

        // The challenge fetches the IdP's metadata first (/.well-known/openid-configuration): refused.
        using var response = await client.GetAsync("/");
        var body = await response.Content.ReadAsStringAsync();

        response.StatusCode.Should().Be(HttpStatusCode.ServiceUnavailable, body);
        AssertExplainsTheOutage(body, authority);
        logs.Lines.Should().Contain(l => l.Contains($"[{UnreachableEventId}]", StringComparison.Ordinal) && l.Contains(authority, StringComparison.Ordinal));
        logs.Lines.Should().NotContain(l => l.Contains("An unhandled exception", StringComparison.Ordinal), "logged once, by event 9102");
    }

    [Fact]
    public async Task AdminApiCall_IdpOnAClosedPort_Answers503WithTheSettingToCheck()
    {
        var logs = new CapturingLoggerProvider();
        await using var console = ConsoleWithApiAt($"http://127.0.0.1:{ClosedPort()}", timeout: null, logs);
        var browser = await LogInAsync(console);

        var page = await browser.GetAsync(ConsoleHost.Origin + "/?q=someone");

        page.Status.Should().Be(HttpStatusCode.ServiceUnavailable, page.Body);
        AssertExplainsTheOutage(page.Body, IdpHost.Origin);
        logs.Lines.Should().Contain(l => l.Contains($"[{UnreachableEventId}]", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AdminApiCall_IdpNeverAnswers_Answers503AfterTheTimeout()
    {
        // Accepts connections (the kernel's backlog) but never reads nor answers: a hung IdP.
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        var logs = new CapturingLoggerProvider();
        await using var console = ConsoleWithApiAt($"http://127.0.0.1:{((IPEndPoint)silent.LocalEndpoint).Port}", TimeSpan.FromSeconds(1), logs);
        var browser = await LogInAsync(console);

        var page = await browser.GetAsync(ConsoleHost.Origin + "/?q=someone");

        page.Status.Should().Be(HttpStatusCode.ServiceUnavailable, page.Body);
        AssertExplainsTheOutage(page.Body, IdpHost.Origin);
        page.Body.Should().Contain("may have been made", "a change that timed out may have reached the IdP");
        logs.Lines.Should().Contain(l => l.Contains($"[{UnreachableEventId}]", StringComparison.Ordinal) && l.Contains(nameof(TimeoutException), StringComparison.Ordinal));
    }

    public static TheoryData<Exception, bool> Failures => new()
    {
        // What the OIDC handler throws when the metadata cannot be fetched (IDX20803 around IDX20804).
        { new InvalidOperationException("IDX20803", new IOException("IDX20804", new HttpRequestException("Connection refused", new SocketException((int)SocketError.ConnectionRefused)))), true },
        // HttpClient's timeout.
        { new TaskCanceledException("timed out", new TimeoutException()), true },
        // The browser gave up: not the IdP's fault.
        { new TaskCanceledException(), false },
        // The IdP answered, and refused: the sign-in-failed page's business.
        { new OpenIdConnectProtocolException("invalid_request"), false },
        { new InvalidOperationException("a bug"), false },
    };

    [Theory]
    [MemberData(nameof(Failures))]
    public void Explains_OnlyAnIdpThatDoesNotAnswer(Exception failure, bool unreachable) =>
        IdpUnreachable.Explains(failure).Should().Be(unreachable);

    private static void AssertExplainsTheOutage(string body, string authority) =>
        body.Should().Contain("The login service cannot be reached")
            .And.Contain("Idp:Authority")
            .And.Contain(authority)
            .And.Contain("event 9102")
            .And.NotContain("Exception")
            .And.NotContain("   at ")
            .And.NotContain("Connection refused")
            .And.NotContain(ConsoleHost.Secret);

    /// <summary>The console of the fixture (sign-in through the in-process IdP), its admin API client sent to another address.</summary>
    private WebApplicationFactory<ConsoleProgram> ConsoleWithApiAt(string apiAddress, TimeSpan? timeout, CapturingLoggerProvider logs) =>
        fixture.Console.WithWebHostBuilder(builder =>
        {
            builder.ConfigureLogging(logging => logging.AddProvider(logs));
            builder.ConfigureTestServices(services => services.AddHttpClient<AdminApiClient>()
                .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler())
                .ConfigureHttpClient(client =>
                {
                    client.BaseAddress = new Uri(apiAddress + "/");
                    client.Timeout = timeout ?? client.Timeout;
                }));
        });

    private async Task<TestBrowser> LogInAsync(WebApplicationFactory<ConsoleProgram> console)
    {
        var (pid, _) = await fixture.PersonAsync(AdminRoles.Support);
        var browser = fixture.Idp.NewBrowser();
        browser.AddHost(new Uri(ConsoleHost.Origin).Host, console.Server.CreateHandler());
        var start = await Flows.LogInAtIdPortenAsync(browser, await browser.GetAsync(ConsoleHost.Origin + "/"), pid);
        start.Status.Should().Be(HttpStatusCode.OK, start.Body);
        return browser;
    }

    /// <summary>A loopback port nothing listens on (taken and given back at once): connections are refused.</summary>
    private static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
