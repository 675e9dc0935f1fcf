using System.Net;
using System.Text.RegularExpressions;
using Educloud.Idp.Data;
using Educloud.Idp.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Educloud.Idp.Tests.People;

/// <summary>An IdP that mails through an in-process SMTP server, on a clock the tests move.</summary>
public sealed partial class PeopleFixture : IAsyncLifetime
{
    public PeopleFixture() => Idp = new IdpHost(Smtp.Settings(), Clock);

    public FakeTimeProvider Clock { get; } = new(new DateTimeOffset(DateTimeOffset.UtcNow.UtcTicks / TimeSpan.TicksPerMinute * TimeSpan.TicksPerMinute, TimeSpan.Zero));

    public SmtpReceiver Smtp { get; } = new();

    public IdpHost Idp { get; }

    public Task InitializeAsync()
    {
        _ = Idp.Server;
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        Idp.Dispose();
        await Smtp.DisposeAsync();
    }

    public static string NewAddress(string name = "ola") => $"{name}.{Guid.NewGuid().ToString("N")[..10]}@example.test";

    /// <summary>A first login through ID-porten: enrolled, and the page after the code (the first-login page, not skipped).</summary>
    public async Task<(TestBrowser Browser, BrowserPage Page)> FirstLoginAsync(string pid)
    {
        var browser = Idp.NewBrowser();
        var enroll = await Flows.ThroughIdPortenAsync(browser, IdpHost.Origin + "/account/login", pid);
        enroll.Address.AbsolutePath.Should().Be("/account/enroll", enroll.Body);
        return (browser, await Flows.AnswerSecondFactorAsync(browser, enroll, pid, skipWelcome: false));
    }

    /// <summary>A later login in a new browser, up to the code or enrollment page (not answered).</summary>
    public async Task<(TestBrowser Browser, BrowserPage Page)> ToSecondFactorAsync(string pid)
    {
        // A code is accepted once: the person's next code is from a later time step.
        Clock.Advance(TimeSpan.FromSeconds(30));
        var browser = Idp.NewBrowser();
        return (browser, await Flows.ThroughIdPortenAsync(browser, IdpHost.Origin + "/account/login", pid));
    }

    /// <summary>A first login that gives <paramref name="address"/> (not confirmed yet): the logged-in browser and the link mailed.</summary>
    public async Task<(TestBrowser Browser, string Link)> GaveAddressAsync(string pid, string address)
    {
        var (browser, welcome) = await FirstLoginAsync(pid);
        await browser.SubmitAsync(welcome, "main form[method=post]", new Dictionary<string, string> { ["email"] = address });
        return (browser, LinkIn(Smtp.To(address).Single().TextBody));
    }

    /// <summary>A first login that skips the first-login page: the logged-in browser.</summary>
    public async Task<TestBrowser> LoggedInAsync(string pid)
    {
        var (browser, welcome) = await FirstLoginAsync(pid);
        await Flows.SkipWelcomeAsync(browser, welcome);
        return browser;
    }

    /// <summary>"Need a new one-time code?": a fresh ID-porten login and a new authenticator, confirmed; the page after it.</summary>
    public async Task<(BrowserPage Enroll, BrowserPage Done)> ReplaceAuthenticatorAsync(string pid)
    {
        Clock.Advance(TimeSpan.FromSeconds(30));
        var browser = Idp.NewBrowser();
        var simulator = await browser.SubmitAsync(await browser.GetAsync(IdpHost.Origin + "/account/new-code"), "form[method=post]");
        var enroll = await browser.SubmitAsync(simulator, values: new Dictionary<string, string> { ["sim_pid"] = pid, ["sim_acr"] = Flows.Substantial });
        return (enroll, await Flows.AnswerSecondFactorAsync(browser, enroll, pid));
    }

    /// <summary>A person who gave <paramref name="address"/> at their first login and opened the link: a logged-in browser.</summary>
    public async Task<TestBrowser> PersonWithConfirmedAddressAsync(string pid, string address, string name = "Ola Nordmann")
    {
        var (browser, welcome) = await FirstLoginAsync(pid);
        var next = await browser.SubmitAsync(welcome, "main form[method=post]", new Dictionary<string, string> { ["displayName"] = name, ["email"] = address });
        next.Address.AbsolutePath.Should().Be("/", next.Body);
        var confirmed = await OpenLinkAsync(LinkIn(Smtp.To(address).Single().TextBody));
        confirmed.Status.Should().Be(HttpStatusCode.OK, confirmed.Body);
        return browser;
    }

    /// <summary>Opens a confirmation link in a browser without a session, and presses Confirm.</summary>
    public async Task<BrowserPage> OpenLinkAsync(string link)
    {
        var browser = Idp.NewBrowser();
        var page = await browser.GetAsync(link);
        page.Status.Should().Be(HttpStatusCode.OK, page.Body);
        return await browser.SubmitAsync(page, "main form[method=post]");
    }

    public static string LinkIn(string? body) =>
        ConfirmationLink().Match(body ?? "") is { Success: true } match ? match.Value : throw new InvalidOperationException("No confirmation link in:\n" + body);

    public async Task<IdpUser> UserAsync(string pid)
    {
        var id = await AdminApi.UserIdAsync(Idp, pid);
        return await AdminApi.InScopeAsync(Idp, s => s.GetRequiredService<IdpDbContext>().Users.AsNoTracking().SingleAsync(u => u.Id == id));
    }

    [GeneratedRegex(@"https://localhost/account/confirm-email\?token=[A-Za-z0-9_-]{43}")]
    private static partial Regex ConfirmationLink();
}
