using System.Net;
using Educloud.Idp.Data;
using Educloud.Idp.Federation;
using Educloud.Idp.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Educloud.Idp.Tests.Federation;

/// <summary>
/// An IdP that demands idporten-loa-high and creates no users on first login (IdPorten:AutoProvisionUsers=false),
/// with one person registered by hand, so that each refusal below is the only thing that stands between
/// that person and a session.
/// </summary>
public sealed class StrictIdpFixture : IAsyncLifetime
{
    /// <summary>Registered here; every refusal test logs in as this person, so a session would be possible.</summary>
    public const string RegisteredPid = "04848412345";

    /// <summary>Never registered.</summary>
    public const string UnknownPid = "05858512345";

    public IdpHost Idp { get; } = new(new Dictionary<string, string?>
    {
        ["IdPorten:AcrValues"] = Flows.High,
        ["IdPorten:AutoProvisionUsers"] = "false",
    });

    public async Task InitializeAsync()
    {
        await using var scope = Idp.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<IdpDbContext>();
        var pids = scope.ServiceProvider.GetRequiredService<PidProtector>();
        var id = Guid.NewGuid().ToString();
        db.Users.Add(new IdpUser
        {
            Id = id,
            UserName = "registered-" + id[..8],
            NormalizedUserName = ("registered-" + id[..8]).ToUpperInvariant(),
            PidHash = pids.LookupHash(RegisteredPid),
            PidProtected = pids.Protect(RegisteredPid),
            SecurityStamp = Guid.NewGuid().ToString(),
        });
        await db.SaveChangesAsync();
    }

    public Task DisposeAsync()
    {
        Idp.Dispose();
        return Task.CompletedTask;
    }
}

/// <summary>What the IdP does when ID-porten's answer must not become a session (docs/architecture.md "Upstream").</summary>
public sealed class UpstreamRefusalTests(StrictIdpFixture fixture) : IClassFixture<StrictIdpFixture>, IDisposable
{
    private IdpHost Idp => fixture.Idp;

    public void Dispose() => Idp.Faults.Reset();

    [Fact]
    public async Task RegisteredPersonAtHighLevel_GetsASession()
    {
        // The control for the refusals below: the same person, the same IdP, nothing wrong.
        var browser = Idp.NewBrowser();

        var page = await LogInAsync(browser, StrictIdpFixture.RegisteredPid, Flows.High);

        page.Address.AbsolutePath.Should().Be("/", page.Body);
        await AssertHasSessionAsync(browser, expected: true);
    }

    [Fact]
    public async Task UpstreamAcrLowerThanRequired_ShowsInsufficientLevel_AndNoSession()
    {
        // The simulator, like ID-porten, never grants less than asked; this fault plays an ID-porten that did.
        Idp.Faults.GrantLevelBelowRequested = true;
        var browser = Idp.NewBrowser();

        var page = await LogInAsync(browser, StrictIdpFixture.RegisteredPid, Flows.Substantial);

        page.Address.AbsolutePath.Should().Be("/account/insufficient-level", page.Body);
        page.Status.Should().Be(HttpStatusCode.Forbidden);
        await AssertHasSessionAsync(browser, expected: false);
        AssertLogged(2002, Flows.Substantial);
    }

    [Fact]
    public async Task UpstreamAuthorizationResponseWithWrongIss_ShowsLoginFailed_AndNoSession()
    {
        Idp.Faults.WrongIssuerInAuthorizationResponse = true;
        var browser = Idp.NewBrowser();

        var page = await LogInAsync(browser, StrictIdpFixture.RegisteredPid, Flows.High);

        AssertLoginFailed(page);
        await AssertHasSessionAsync(browser, expected: false);
        AssertLogged(2001, "'iss' parameter doesn't match");
    }

    [Fact]
    public async Task UpstreamAuthorizationResponseWithoutIss_ShowsLoginFailed_AndNoSession()
    {
        // The simulator advertises authorization_response_iss_parameter_supported, so iss is mandatory (RFC 9207 2.4).
        Idp.Faults.OmitIssInAuthorizationResponse = true;
        var browser = Idp.NewBrowser();

        var page = await LogInAsync(browser, StrictIdpFixture.RegisteredPid, Flows.High);

        AssertLoginFailed(page);
        await AssertHasSessionAsync(browser, expected: false);
        AssertLogged(2001, "'iss' parameter is missing");
    }

    [Fact]
    public async Task UpstreamIdTokenWithWrongIssuer_ShowsLoginFailed_AndNoSession()
    {
        Idp.Faults.WrongIssuerInIdToken = true;
        var browser = Idp.NewBrowser();

        var page = await LogInAsync(browser, StrictIdpFixture.RegisteredPid, Flows.High);

        AssertLoginFailed(page);
        await AssertHasSessionAsync(browser, expected: false);
        AssertLogged(2001, "issuer");
    }

    [Fact]
    public async Task UnregisteredPersonWithoutAutoProvisioning_ShowsNotRegistered_AndNoSession()
    {
        var browser = Idp.NewBrowser();

        var page = await LogInAsync(browser, StrictIdpFixture.UnknownPid, Flows.High);

        page.Address.AbsolutePath.Should().Be("/account/not-registered", page.Body);
        page.Status.Should().Be(HttpStatusCode.Forbidden);
        await AssertHasSessionAsync(browser, expected: false);
        Idp.Logs.Lines.Should().NotContain(line => line.Contains(StrictIdpFixture.UnknownPid, StringComparison.Ordinal), "the pid is never logged");
    }

    private static async Task<BrowserPage> LogInAsync(TestBrowser browser, string pid, string acr) =>
        await Flows.LogInAtIdPortenAsync(browser, await browser.GetAsync(IdpHost.Origin + "/account/login"), pid, acr);

    /// <summary>The person sees one generic page; the log says why (docs/architecture.md "Conventions").</summary>
    private void AssertLogged(int eventId, string why) =>
        Idp.Logs.Lines.Should().Contain(line => line.Contains($"[{eventId}]", StringComparison.Ordinal) && line.Contains(why, StringComparison.Ordinal));

    private static void AssertLoginFailed(BrowserPage page)
    {
        page.Address.AbsolutePath.Should().Be("/error", page.Body);
        page.Address.Query.Should().Be("?reason=login");
        page.Document.QuerySelector("h1")!.TextContent.Should().Be("Login failed");
    }

    /// <summary>A session shows as a code for an app's authorization request; without one, the login page.</summary>
    private static async Task AssertHasSessionAsync(TestBrowser browser, bool expected)
    {
        var page = await browser.GetAsync(Flows.AuthorizeUrl());
        if (expected)
        {
            Flows.RedirectParameters(browser).Should().ContainKey("code");
        }
        else
        {
            browser.LeftTo.Should().BeNull("no session, so no code");
            page.Address.AbsolutePath.Should().Be("/account/login", page.Body);
        }
    }
}
