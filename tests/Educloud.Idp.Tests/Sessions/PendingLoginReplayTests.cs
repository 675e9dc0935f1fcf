using System.Net;
using AngleSharp.Html.Dom;
using Educloud.Idp.Data;
using Educloud.Idp.Sessions;
using Educloud.Idp.Tests.Infrastructure;
using Educloud.Idp.Totp;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Educloud.Idp.Tests.Sessions;

/// <summary>
/// The pending-login cookie (first factor proven, second not yet) is good for one use: a copy of
/// it, taken before and used after, or used at the same time, gets nothing (issue 8, item 7).
/// </summary>
public sealed class PendingLoginReplayTests(IdpFixture fixture) : IClassFixture<IdpFixture>
{
    private IdpHost Idp => fixture.Idp;

    [Fact]
    public async Task CopiedPendingCookie_ReplayedAfterACompletedLogin_IsRefused()
    {
        // A clock of our own, so that the attacker has a good code the victim has not used.
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        using var idp = new IdpHost(time: clock);
        var pid = Flows.NewPid();
        var setup = idp.NewBrowser();
        await Flows.LogInAtIdPortenAsync(setup, await setup.GetAsync(IdpHost.Origin + "/account/login"), pid);
        clock.Advance(TimeSpan.FromMinutes(1));
        var victim = idp.NewBrowser();
        var codePage = await Flows.ThroughIdPortenAsync(victim, IdpHost.Origin + "/account/login", pid);
        codePage.Address.AbsolutePath.Should().Be("/account/code", codePage.Body);
        var copied = PendingCookie(victim);
        (await Flows.AnswerSecondFactorAsync(victim, codePage, pid)).Address.AbsolutePath.Should().Be("/");
        var userId = await AdminApi.UserIdAsync(idp, pid);
        var sessionsBefore = await SessionCountAsync(idp, userId);
        clock.Advance(TimeSpan.FromSeconds(30));

        // The attacker's browser, holding the copied cookie: the code page sends it back to log in.
        var attacker = idp.NewBrowser();
        attacker.Cookies.Add(new Uri(IdpHost.Origin), copied);
        (await attacker.GetAsync(IdpHost.Origin + "/account/code")).Address.AbsolutePath.Should().Be("/account/login");

        // Posting a good, unused code straight at the handler (antiforgery token of any page of ours) is refused too.
        var login = await attacker.GetAsync(IdpHost.Origin + "/account/login");
        var answer = await attacker.PostFormAsync(IdpHost.Origin + "/account/code",
        [
            new("__RequestVerificationToken", AntiforgeryToken(login)),
            new("code", idp.Authenticators.NextCode(pid, clock)),
        ]);
        answer.Address.AbsolutePath.Should().Be("/account/login", answer.Body);
        HasSessionCookie(attacker).Should().BeFalse();
        (await SessionCountAsync(idp, userId)).Should().Be(sessionsBefore, "a spent pending login starts no session");
    }

    [Fact]
    public async Task CopiedEnrollmentCookie_AfterTheConfirm_CannotConfirmAnotherAuthenticator()
    {
        var pid = Flows.NewPid();
        await fixture.LoggedInBrowserAsync(pid);

        // "Need a new one-time code?": a fresh ID-porten login, then the new authenticator is confirmed.
        var victim = Idp.NewBrowser();
        var enroll = await NewCodeFlowAsync(victim, pid);
        enroll.Address.AbsolutePath.Should().Be("/account/enroll", enroll.Body);
        var copied = PendingCookie(victim);
        (await Flows.AnswerSecondFactorAsync(victim, enroll, pid)).Address.AbsolutePath.Should().Be("/");
        var userId = await AdminApi.UserIdAsync(Idp, pid);
        var victimSecret = Idp.Authenticators.SecretOf(pid);

        // The copy no longer shows a QR code (which would set up the attacker's phone) ...
        var attacker = Idp.NewBrowser();
        attacker.Cookies.Add(new Uri(IdpHost.Origin), copied);
        var page = await attacker.GetAsync(IdpHost.Origin + "/account/enroll");
        page.Address.AbsolutePath.Should().Be("/account/new-code", "a spent pending login shows no enrollment");
        page.Body.Should().NotContain("class=\"secret\"");

        // ... and confirms nothing, even with a pending authenticator of the person and its code.
        var (factorId, secret) = await PendingFactorAsync(userId);
        var login = await attacker.GetAsync(IdpHost.Origin + "/account/login");
        var confirm = await attacker.PostFormAsync(IdpHost.Origin + "/account/enroll",
        [
            new("__RequestVerificationToken", AntiforgeryToken(login)),
            new("factorId", factorId.ToString()),
            new("code", TotpCode.Compute(secret, Idp.Clock.GetUtcNow())),
        ]);
        confirm.Address.AbsolutePath.Should().Be("/account/new-code", confirm.Body);
        HasSessionCookie(attacker).Should().BeFalse();
        var active = await AdminApi.InScopeAsync(Idp, s => s.GetRequiredService<IdpDbContext>().TotpFactors
            .AsNoTracking().Where(f => f.UserId == userId && f.State == TotpFactorState.Active).Select(f => f.Id).ToListAsync());
        active.Should().ContainSingle().Which.Should().NotBe(factorId, "the victim's authenticator stays the active one");

        // The victim's own phone still logs in.
        var again = Idp.NewBrowser();
        (await Flows.LogInAtIdPortenAsync(again, await again.GetAsync(IdpHost.Origin + "/account/login"), pid)).Address.AbsolutePath.Should().Be("/");
        Idp.Authenticators.SecretOf(pid).Should().Equal(victimSecret);
    }

    [Theory]
    [InlineData(TestDatabase.Sqlite)]
    [InlineData(TestDatabase.PostgreSql)]
    public async Task ConcurrentUsesOfOnePendingLogin_GiveOneSession(TestDatabase database)
    {
        // A clock of our own: the person's last code is minutes old, so three different codes
        // (previous, current and next step, the drift window) are all good, and the code's own
        // single use cannot be what stops the others.
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        using var idp = new IdpHost(time: clock, database: database);
        var pid = Flows.NewPid();
        var setup = idp.NewBrowser();
        (await Flows.LogInAtIdPortenAsync(setup, await setup.GetAsync(IdpHost.Origin + "/account/login"), pid)).Address.AbsolutePath.Should().Be("/");
        var userId = await AdminApi.UserIdAsync(idp, pid);
        clock.Advance(TimeSpan.FromMinutes(3));

        var first = idp.NewBrowser();
        var codePage = await Flows.ThroughIdPortenAsync(first, IdpHost.Origin + "/account/login", pid);
        codePage.Address.AbsolutePath.Should().Be("/account/code", codePage.Body);
        var browsers = new[] { first, idp.NewBrowser(), idp.NewBrowser() };
        foreach (var copy in browsers.Skip(1))
        {
            foreach (Cookie cookie in first.Cookies.GetAllCookies())
            {
                copy.Cookies.Add(cookie);
            }
        }

        var sessionsBefore = await SessionCountAsync(idp, userId);
        var secret = idp.Authenticators.SecretOf(pid);
        var now = clock.GetUtcNow();
        var results = await Task.WhenAll(browsers.Select((browser, i) => browser.SubmitAsync(codePage, "form[method=post]",
            new Dictionary<string, string> { ["code"] = TotpCode.Compute(secret, now.AddSeconds(30 * (i - 1))) })));

        (await SessionCountAsync(idp, userId)).Should().Be(sessionsBefore + 1, "one pending login gives at most one session");
        results.Count(r => r.Address.AbsolutePath == "/" && r.Status == HttpStatusCode.OK).Should().Be(1);
        browsers.Count(HasSessionCookie).Should().Be(1);
    }

    [Fact]
    public async Task WrongCode_KeepsThePendingLogin_TheRightOneThenLogsIn()
    {
        // Spending before the check must not cost the person their login when they mistype.
        var pid = Flows.NewPid();
        await fixture.LoggedInBrowserAsync(pid);
        var browser = Idp.NewBrowser();
        var codePage = await Flows.ThroughIdPortenAsync(browser, IdpHost.Origin + "/account/login", pid);
        var wrong = TotpCode.Compute(Idp.Authenticators.SecretOf(pid), Idp.Clock.GetUtcNow().AddMinutes(10));
        var refused = await browser.SubmitAsync(codePage, "form[method=post]", new Dictionary<string, string> { ["code"] = wrong });
        refused.Status.Should().Be(HttpStatusCode.BadRequest);

        var again = await browser.SubmitAsync(refused, "form[method=post]", new Dictionary<string, string> { ["code"] = Idp.Authenticators.NextCode(pid, Idp.Clock) });
        again.Address.AbsolutePath.Should().Be("/", again.Body);
    }

    [Fact]
    public async Task ExpiredPendingLogins_ArePruned_SpentOnesLeaveNoRow()
    {
        var pid = Flows.NewPid();
        await fixture.LoggedInBrowserAsync(pid);
        var userId = await AdminApi.UserIdAsync(Idp, pid);
        (await NonceCountAsync(userId)).Should().Be(0, "a completed login spent its nonce");

        var abandoned = Idp.NewBrowser();
        (await Flows.ThroughIdPortenAsync(abandoned, IdpHost.Origin + "/account/login", pid)).Address.AbsolutePath.Should().Be("/account/code");
        (await NonceCountAsync(userId)).Should().Be(1);
        await AdminApi.InScopeAsync(Idp, async s =>
        {
            var db = s.GetRequiredService<IdpDbContext>();
            var past = Idp.Clock.GetUtcNow().AddMinutes(-1);
            await db.PendingLogins.Where(n => n.UserId == userId).ExecuteUpdateAsync(n => n.SetProperty(x => x.ExpiresAt, past));
            return 0;
        });

        await Idp.Services.GetRequiredService<Pruning>().PruneOnceAsync(CancellationToken.None);

        (await NonceCountAsync(userId)).Should().Be(0);
    }

    private static Cookie PendingCookie(TestBrowser browser)
    {
        var cookie = browser.Cookies.GetCookies(new Uri(IdpHost.Origin))[PendingLogin.CookieName];
        cookie.Should().NotBeNull("the first factor leaves a pending-login cookie");
        return new Cookie(cookie!.Name, cookie.Value, "/");
    }

    private static bool HasSessionCookie(TestBrowser browser) =>
        browser.Cookies.GetCookies(new Uri(IdpHost.Origin))[SessionDefaults.CookieName] is { Value.Length: > 0 };

    private static string AntiforgeryToken(BrowserPage page) =>
        (page.Document.QuerySelector("input[name=__RequestVerificationToken]") as IHtmlInputElement)?.Value
        ?? throw new InvalidOperationException("no antiforgery token on " + page.Address);

    private Task<int> SessionCountAsync(string userId) => SessionCountAsync(Idp, userId);

    private static Task<int> SessionCountAsync(IdpHost idp, string userId) =>
        AdminApi.InScopeAsync(idp, s => s.GetRequiredService<IdpDbContext>().Sessions.CountAsync(x => x.UserId == userId));

    private Task<int> NonceCountAsync(string userId) =>
        AdminApi.InScopeAsync(Idp, s => s.GetRequiredService<IdpDbContext>().PendingLogins.CountAsync(x => x.UserId == userId));

    private async Task<(Guid FactorId, byte[] Secret)> PendingFactorAsync(string userId) =>
        await AdminApi.InScopeAsync(Idp, async s =>
        {
            // What the attacker would need: a pending authenticator of the person and its secret (made here by the service itself).
            var enrollment = await s.GetRequiredService<TotpService>().BeginEnrollmentAsync(userId, CancellationToken.None);
            return (enrollment.FactorId, enrollment.Secret);
        });

    private static async Task<BrowserPage> NewCodeFlowAsync(TestBrowser browser, string pid)
    {
        var page = await browser.GetAsync(IdpHost.Origin + "/account/new-code");
        var simulator = await browser.SubmitAsync(page, "form[method=post]");
        return await browser.SubmitAsync(simulator, values: new Dictionary<string, string> { ["sim_pid"] = pid, ["sim_acr"] = Flows.Substantial });
    }
}
