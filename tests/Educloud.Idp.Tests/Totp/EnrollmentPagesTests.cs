using System.Net;
using Educloud.Idp.Data;
using Educloud.Idp.Tests.Infrastructure;
using Educloud.Idp.Totp;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Educloud.Idp.Tests.Totp;

/// <summary>
/// What people trip over on the enrollment and code pages (issue 9): reloads and second tabs, an
/// expired QR code, a lockout, a replaced authenticator. Time is a FakeTimeProvider.
/// </summary>
public sealed class EnrollmentPagesTests : IDisposable
{
    // Now (the simulator's tokens carry the real time), on a whole minute: the lockout's end shows as HH:mm.
    private readonly FakeTimeProvider time = new(new DateTimeOffset(DateTimeOffset.UtcNow.UtcTicks / TimeSpan.TicksPerMinute * TimeSpan.TicksPerMinute, TimeSpan.Zero));
    private readonly IdpHost idp;

    public EnrollmentPagesTests() => idp = new IdpHost(time: time);

    public void Dispose() => idp.Dispose();

    [Fact]
    public async Task EnrollmentPageReloaded_ShowsTheSameKey_AndItsCodeConfirms()
    {
        var pid = Flows.NewPid();
        var browser = idp.NewBrowser();
        var first = await ToEnrollmentAsync(browser, pid);

        var reloaded = await browser.GetAsync(IdpHost.Origin + "/account/enroll");

        Key(reloaded).Should().Be(Key(first), "a reload must not kill the scan");
        (await Flows.AnswerSecondFactorAsync(browser, first, pid)).Address.AbsolutePath.Should().Be("/", "the first page's code confirms");
    }

    [Fact]
    public async Task TwoTabs_ShowOneKey_FirstConfirms_SecondIsToldItIsSetUp()
    {
        var pid = Flows.NewPid();
        var browser = idp.NewBrowser();
        await ToEnrollmentAsync(browser, pid);
        var loads = await Task.WhenAll(browser.GetAsync(IdpHost.Origin + "/account/enroll"), browser.GetAsync(IdpHost.Origin + "/account/enroll"));
        var (tab1, tab2) = (loads[0], loads[1]);
        Key(tab2).Should().Be(Key(tab1), "two tabs loading at once show one enrollment");

        (await Flows.AnswerSecondFactorAsync(browser, tab1, pid)).Address.AbsolutePath.Should().Be("/");
        time.Advance(TimeSpan.FromSeconds(30));
        var second = await browser.SubmitAsync(tab2, "form[method=post]", new Dictionary<string, string> { ["code"] = browser.Authenticators.NextCode(pid, time) });

        second.Status.Should().Be(HttpStatusCode.OK);
        second.Address.AbsolutePath.Should().Be("/");
        second.Body.Should().Contain("already set up").And.Contain("You are logged in").And.NotContain("did not work");
    }

    [Fact]
    public async Task SecondBrowser_PostingAfterTheFirstConfirmed_GoesOnToTheCodePage()
    {
        var pid = Flows.NewPid();
        var first = idp.NewBrowser();
        var second = idp.NewBrowser();
        var page1 = await ToEnrollmentAsync(first, pid);
        var page2 = await ToEnrollmentAsync(second, pid);
        Key(page2).Should().Be(Key(page1), "one pending enrollment per person");

        (await Flows.AnswerSecondFactorAsync(first, page1, pid)).Address.AbsolutePath.Should().Be("/");
        time.Advance(TimeSpan.FromSeconds(30));
        var stale = await second.SubmitAsync(page2, "form[method=post]", new Dictionary<string, string> { ["code"] = first.Authenticators.NextCode(pid, time) });

        stale.Address.AbsolutePath.Should().Be("/account/code", stale.Body);
        stale.Body.Should().Contain("already set up").And.NotContain("did not work");
        time.Advance(TimeSpan.FromSeconds(30));
        (await Flows.AnswerSecondFactorAsync(second, stale, pid)).Address.AbsolutePath.Should().Be("/", "the login carries on with a code");
    }

    [Fact]
    public async Task ExpiredEnrollment_RightCode_SaysItExpired_AndShowsANewKey()
    {
        var pid = Flows.NewPid();
        var browser = idp.NewBrowser();
        var old = await ToEnrollmentAsync(browser, pid);
        var oldSecret = OtpNet.Base32Encoding.ToBytes(Key(old));

        // Later, logged in with ID-porten again (a new pending login), the old tab is used.
        time.Advance(TimeSpan.FromMinutes(11));
        await ToEnrollmentAsync(browser, pid);
        var answer = await browser.SubmitAsync(old, "form[method=post]", new Dictionary<string, string> { ["code"] = TotpCode.Compute(oldSecret, time.GetUtcNow()) });

        answer.Status.Should().Be(HttpStatusCode.BadRequest);
        answer.Address.AbsolutePath.Should().Be("/account/enroll");
        answer.Body.Should().Contain("This QR code has expired; scan the new one").And.NotContain("keeps working");
        Key(answer).Should().NotBe(Key(old));
        var newCode = TotpCode.Compute(OtpNet.Base32Encoding.ToBytes(Key(answer)), time.GetUtcNow());
        (await Flows.SkipWelcomeAsync(browser, await browser.SubmitAsync(answer, "form[method=post]", new Dictionary<string, string> { ["code"] = newCode }))).Address.AbsolutePath.Should().Be("/", "the new QR code confirms");
    }

    [Fact]
    public async Task RightCodeAfterWrongOnes_EndsTheRun_SoTheNextLoginHasAFullRoundOfAttempts()
    {
        var pid = Flows.NewPid();
        var setup = idp.NewBrowser();
        await Flows.LogInAtIdPortenAsync(setup, await setup.GetAsync(IdpHost.Origin + "/account/login"), pid);
        var settings = idp.Services.GetRequiredService<IOptions<TotpOptions>>().Value;

        for (var login = 0; login < 2; login++)
        {
            // One wrong code short of a lockout, then the right one: the login completes. The count
            // the right code ends is saved with the session (LoginFlow), not by a statement of its own.
            time.Advance(TimeSpan.FromMinutes(1));
            var browser = idp.NewBrowser();
            var page = await Flows.ThroughIdPortenAsync(browser, IdpHost.Origin + "/account/login", pid);
            var wrong = TotpCode.Compute(idp.Authenticators.SecretOf(pid), time.GetUtcNow().AddMinutes(10));
            for (var i = 1; i < settings.MaxFailedAttempts; i++)
            {
                page = await browser.SubmitAsync(page, "form[method=post]", new Dictionary<string, string> { ["code"] = wrong });
                page.Body.Should().Contain("That code did not work").And.NotContain("locked", $"login {login + 1}, wrong code {i}: the run started again after the last right code");
            }

            var done = await browser.SubmitAsync(page, "form[method=post]", new Dictionary<string, string> { ["code"] = idp.Authenticators.NextCode(pid, time) });
            done.Address.AbsolutePath.Should().Be("/", done.Body);
            done.Body.Should().Contain("You are logged in");
        }
    }

    [Fact]
    public async Task RightCodesInLoginAfterLogin_NeverAddUpToAFailure()
    {
        // The login reads the person before its attempt is counted (TotpService.VerifyForLoginAsync):
        // the session's save must still write the count back to 0, although the entity read 0.
        var pid = Flows.NewPid();
        var setup = idp.NewBrowser();
        await Flows.LogInAtIdPortenAsync(setup, await setup.GetAsync(IdpHost.Origin + "/account/login"), pid);
        var userId = await AdminApi.UserIdAsync(idp, pid);
        var settings = idp.Services.GetRequiredService<IOptions<TotpOptions>>().Value;

        for (var login = 0; login < settings.MaxFailedAttempts + 1; login++)
        {
            time.Advance(TimeSpan.FromMinutes(1));
            var browser = idp.NewBrowser();
            var page = await Flows.ThroughIdPortenAsync(browser, IdpHost.Origin + "/account/login", pid);
            var done = await browser.SubmitAsync(page, "form[method=post]", new Dictionary<string, string> { ["code"] = idp.Authenticators.NextCode(pid, time) });
            done.Body.Should().Contain("You are logged in", $"login {login + 1} with a right code");

            await using var scope = idp.Services.CreateAsyncScope();
            var row = await scope.ServiceProvider.GetRequiredService<IdpDbContext>().Users.AsNoTracking()
                .Where(u => u.Id == userId).Select(u => new { u.TotpFailedAttempts, u.TotpLockedUntil }).SingleAsync();
            row.TotpFailedAttempts.Should().Be(0, $"login {login + 1}: a right code counts no failure");
            row.TotpLockedUntil.Should().BeNull();
        }
    }

    [Fact]
    public async Task WrongCodesLockTheAccount_CodePageSaysLockedAndUntilWhen()
    {
        var pid = Flows.NewPid();
        var setup = idp.NewBrowser();
        await Flows.LogInAtIdPortenAsync(setup, await setup.GetAsync(IdpHost.Origin + "/account/login"), pid);
        var settings = idp.Services.GetRequiredService<IOptions<TotpOptions>>().Value;
        var browser = idp.NewBrowser();
        var page = await Flows.ThroughIdPortenAsync(browser, IdpHost.Origin + "/account/login", pid);
        var lockedAt = time.GetUtcNow();
        var wrong = TotpCode.Compute(idp.Authenticators.SecretOf(pid), lockedAt.AddMinutes(10));

        for (var i = 1; i < settings.MaxFailedAttempts; i++)
        {
            page = await browser.SubmitAsync(page, "form[method=post]", new Dictionary<string, string> { ["code"] = wrong });
            page.Body.Should().Contain("That code did not work").And.NotContain("locked");
        }

        var locked = await browser.SubmitAsync(page, "form[method=post]", new Dictionary<string, string> { ["code"] = wrong });
        var right = await browser.SubmitAsync(locked, "form[method=post]", new Dictionary<string, string> { ["code"] = idp.Authenticators.NextCode(pid, time) });

        // Oslo time in the page's language (English here), rounded up to the minute.
        var end = lockedAt + settings.LockoutDuration;
        var until = Educloud.Shared.Localization.LocalTime.DateAndTime(
            new DateTimeOffset((end.UtcTicks + TimeSpan.TicksPerMinute - 1) / TimeSpan.TicksPerMinute * TimeSpan.TicksPerMinute, TimeSpan.Zero),
            Educloud.Shared.Localization.Languages.English);
        foreach (var refused in new[] { locked, right })
        {
            refused.Status.Should().Be(HttpStatusCode.BadRequest);
            refused.Body.Should().Contain("Your account is locked for now").And.Contain($"Try again after {until};").And.NotContain("That code did not work");
        }
    }

    [Fact]
    public async Task NewAuthenticatorReplacingTheOld_StartPageSaysItWorked_AndTheOldEntryCanGo()
    {
        var pid = Flows.NewPid();
        var setup = idp.NewBrowser();
        (await Flows.LogInAtIdPortenAsync(setup, await setup.GetAsync(IdpHost.Origin + "/account/login"), pid)).Body
            .Should().NotContain("new authenticator is set up", "a first enrollment replaces nothing");

        var browser = idp.NewBrowser();
        var simulator = await browser.SubmitAsync(await browser.GetAsync(IdpHost.Origin + "/account/new-code"), "form[method=post]");
        var enroll = await browser.SubmitAsync(simulator, values: new Dictionary<string, string> { ["sim_pid"] = pid, ["sim_acr"] = Flows.Substantial });
        time.Advance(TimeSpan.FromSeconds(30));
        var done = await Flows.AnswerSecondFactorAsync(browser, enroll, pid);

        done.Address.AbsolutePath.Should().Be("/");
        done.Body.Should().Contain("Your new authenticator is set up").And.Contain("delete the old Educloud Research entry").And.Contain("You are logged in");
    }

    private static string Key(BrowserPage enroll)
    {
        enroll.Address.AbsolutePath.Should().Be("/account/enroll", enroll.Body);
        return enroll.Document.QuerySelector("code.secret")!.TextContent.Replace(" ", "", StringComparison.Ordinal);
    }

    private static async Task<BrowserPage> ToEnrollmentAsync(TestBrowser browser, string pid)
    {
        var simulator = await browser.SubmitAsync(await browser.GetAsync(IdpHost.Origin + "/account/login"));
        var enroll = await browser.SubmitAsync(simulator, values: new Dictionary<string, string> { ["sim_pid"] = pid, ["sim_acr"] = Flows.Substantial });
        enroll.Address.AbsolutePath.Should().Be("/account/enroll", enroll.Body);
        return enroll;
    }
}
