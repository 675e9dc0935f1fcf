using System.Net;
using Educloud.Idp.Data;
using Educloud.Idp.Tests.Infrastructure;
using Educloud.Idp.Totp;
using Educloud.Shared.Localization;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Educloud.Idp.Tests.Localization;

/// <summary>
/// The login pages in the person's language (docs/localization.md): Bokmål by default, the
/// browser's Accept-Language, the switcher's choice, the app's ui_locales (passed on to ID-porten);
/// times in Oslo time; and the code field's answer to letters.
/// </summary>
public sealed class LoginPagesLanguageTests : IDisposable
{
    // Now on a whole minute (the simulator's tokens carry the real time): a lockout's end shows to the minute.
    private readonly FakeTimeProvider time = new(new DateTimeOffset(DateTimeOffset.UtcNow.UtcTicks / TimeSpan.TicksPerMinute * TimeSpan.TicksPerMinute, TimeSpan.Zero));
    private readonly IdpHost idp;

    public LoginPagesLanguageTests() => idp = new IdpHost(time: time);

    public void Dispose() => idp.Dispose();

    private const string LoginPage = IdpHost.Origin + "/account/login";

    [Fact]
    public async Task NoAcceptLanguage_LoginPageIsInBokmaal()
    {
        var browser = idp.NewBrowser();
        browser.Headers.Remove("Accept-Language");

        var page = await browser.GetAsync(LoginPage);

        page.Status.Should().Be(HttpStatusCode.OK);
        Lang(page).Should().Be("nb");
        page.Body.Should().Contain("Logg inn med ID-porten").And.Contain("Har du ikke ID-porten?").And.NotContain("Log in with ID-porten");
    }

    [Fact]
    public async Task AcceptLanguageNynorsk_LoginPageIsInNynorsk()
    {
        var browser = idp.NewBrowser();
        browser.Headers["Accept-Language"] = "nn-NO,nn;q=0.9,en;q=0.5";

        var page = await browser.GetAsync(LoginPage);

        Lang(page).Should().Be("nn");
        page.Body.Should().Contain("Har du ikkje ID-porten?").And.Contain("Brukarnamn").And.NotContain("Har du ikke ID-porten?");
    }

    [Fact]
    public async Task SwitcherChoosesEnglish_BeatsTheBrowsersNynorsk_AndGoesBackToThePage()
    {
        var browser = idp.NewBrowser();
        browser.Headers["Accept-Language"] = "nn-NO";

        var page = await browser.GetAsync(IdpHost.Origin + "/language?lang=en&returnUrl=" + Uri.EscapeDataString("/account/login"));

        page.Address.AbsolutePath.Should().Be("/account/login");
        Lang(page).Should().Be("en");
        page.Body.Should().Contain("Log in with ID-porten").And.Contain("No ID-porten?");
        Lang(await browser.GetAsync(IdpHost.Origin + "/")).Should().Be("en", "the choice is kept");
    }

    [Fact]
    public async Task LanguageSwitch_NonLocalReturnUrl_GoesToTheStartPage()
    {
        var browser = idp.NewBrowser();

        var page = await browser.GetAsync(IdpHost.Origin + "/language?lang=nn&returnUrl=" + Uri.EscapeDataString("https://evil.example/phish"));

        browser.LeftTo.Should().BeNull("the switch never sends anyone off the site");
        page.Address.AbsolutePath.Should().Be("/");
        Lang(page).Should().Be("nn");
    }

    [Theory]
    [InlineData("se")]
    [InlineData("xx")]
    [InlineData("")]
    public async Task LanguageSwitch_UnknownLanguage_IsBadRequest(string lang)
    {
        var browser = idp.NewBrowser();

        var page = await browser.GetAsync(IdpHost.Origin + "/language?lang=" + lang + "&returnUrl=%2F");

        page.Status.Should().Be(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task AppAsksNynorsk_LoginPageIsInNynorsk_AndIdPortenIsAskedNynorsk()
    {
        var browser = idp.NewBrowser(); // reads English (Accept-Language: en): the app's wish comes first

        var login = await browser.GetAsync(Flows.AuthorizeUrl(extra: new Dictionary<string, string?> { ["ui_locales"] = "nn" }));

        login.Address.AbsolutePath.Should().Be("/account/login", login.Body);
        Lang(login).Should().Be("nn");
        login.Body.Should().Contain("Har du ikkje ID-porten?");
        var simulator = await browser.SubmitAsync(login);
        simulator.Address.AbsolutePath.Should().Be("/idporten-sim/authorize", simulator.Body);
        Flows.AskedOfIdPorten(simulator).Split(' ').Should().Contain("ui_locales=nn");
    }

    [Fact]
    public async Task StartPageLoggedIn_ShowsTheLevelInWords_AndTheTimeInOsloTime()
    {
        var browser = idp.NewBrowser();
        browser.Headers.Remove("Accept-Language");
        var pid = Flows.NewPid();
        var loggedInAt = time.GetUtcNow();

        var start = await Flows.LogInAtIdPortenAsync(browser, await browser.GetAsync(LoginPage), pid);

        start.Address.AbsolutePath.Should().Be("/", start.Body);
        start.Document.QuerySelector("[data-level]")!.TextContent.Should().Be("ID-porten, betydelig sikkerhetsnivå");
        start.Body.Should().NotContain("idporten-loa-substantial").And.NotContain("UTC");
        var shown = start.Document.QuerySelector("[data-logged-in-at]")!.TextContent;
        var oslo = LocalTime.InOslo(loggedInAt);
        shown.Should().StartWith(oslo.Day + ". ").And.Contain(" kl. ");
        // The session's time is the simulator's real clock, so only the Oslo offset is checked: not the UTC hour.
        if (oslo.Hour != loggedInAt.UtcDateTime.Hour)
        {
            shown.Should().NotContain($"kl. {loggedInAt.UtcDateTime:HH}:");
        }
    }

    [Fact]
    public async Task CodePageLockout_SaysTheEndInOsloTime_InBokmaal()
    {
        var pid = Flows.NewPid();
        var setup = idp.NewBrowser();
        await Flows.LogInAtIdPortenAsync(setup, await setup.GetAsync(LoginPage), pid);
        var settings = idp.Services.GetRequiredService<IOptions<TotpOptions>>().Value;
        var browser = idp.NewBrowser();
        browser.Headers.Remove("Accept-Language");
        var page = await Flows.ThroughIdPortenAsync(browser, LoginPage, pid);
        var lockedAt = time.GetUtcNow();
        var wrong = TotpCode.Compute(idp.Authenticators.SecretOf(pid), lockedAt.AddMinutes(10));

        for (var i = 0; i < settings.MaxFailedAttempts; i++)
        {
            page = await browser.SubmitAsync(page, "form[method=post]", new Dictionary<string, string> { ["code"] = wrong });
        }

        page.Status.Should().Be(HttpStatusCode.BadRequest);
        var end = LocalTime.InOslo(lockedAt + settings.LockoutDuration);
        var expected = LocalTime.DateAndTime(lockedAt + settings.LockoutDuration, Languages.Bokmal);
        expected.Should().Contain($"kl. {end:HH:mm}");
        page.Document.QuerySelector("[data-locked]")!.TextContent.Should().Contain("Prøv igjen etter " + expected);
        var utc = (lockedAt + settings.LockoutDuration).UtcDateTime;
        if (utc.Hour != end.Hour)
        {
            page.Body.Should().NotContain($"kl. {utc:HH:mm}", "Oslo time, not UTC");
        }
    }

    [Fact]
    public async Task CodeWithLetters_SaysTypeOnlyTheDigits_InTheLanguage_AndCountsAsAWrongCode()
    {
        var pid = Flows.NewPid();
        var setup = idp.NewBrowser();
        await Flows.LogInAtIdPortenAsync(setup, await setup.GetAsync(LoginPage), pid);
        var browser = idp.NewBrowser();
        browser.Headers["Accept-Language"] = "nn";
        var page = await Flows.ThroughIdPortenAsync(browser, LoginPage, pid);
        page.Address.AbsolutePath.Should().Be("/account/code", page.Body);
        page.Document.QuerySelector("#code")!.GetAttribute("title").Should().Be("6 siffer frå appen, utan bokstavar.");

        var refused = await browser.SubmitAsync(page, "form[method=post]", new Dictionary<string, string> { ["code"] = "12ab56" });

        refused.Status.Should().Be(HttpStatusCode.BadRequest, "bad input is a 4xx, never a 500");
        refused.Document.QuerySelector("[data-code-format]")!.TextContent.Should().Contain("Skriv berre sifra frå appen");
        refused.Body.Should().NotContain("Koden verka ikkje");
        var userId = await AdminApi.UserIdAsync(idp, pid);
        var attempts = await InScopeAsync(db => db.Users.Where(u => u.Id == userId).Select(u => u.TotpFailedAttempts).SingleAsync());
        attempts.Should().Be(1, "a code with letters counts like any wrong code (docs/localization.md, \"Code field\")");
    }

    [Fact]
    public async Task CodeWithLetters_InEnglish_SaysTypeOnlyTheDigits()
    {
        var pid = Flows.NewPid();
        var setup = idp.NewBrowser();
        await Flows.LogInAtIdPortenAsync(setup, await setup.GetAsync(LoginPage), pid);
        var browser = idp.NewBrowser();
        var page = await Flows.ThroughIdPortenAsync(browser, LoginPage, pid);

        var refused = await browser.SubmitAsync(page, "form[method=post]", new Dictionary<string, string> { ["code"] = "one two" });

        refused.Status.Should().Be(HttpStatusCode.BadRequest);
        refused.Body.Should().Contain("Type only the digits from your app").And.NotContain("That code did not work");
        var again = await browser.SubmitAsync(refused, "form[method=post]", new Dictionary<string, string> { ["code"] = idp.Authenticators.NextCode(pid, time) });
        again.Address.AbsolutePath.Should().NotBe("/account/code", "the login goes on after a code with letters");
    }

    [Fact]
    public async Task UnknownAddress_InNynorsk_SaysWhatHappenedAndWhatNext_WithAWayBackAndSupport()
    {
        var browser = idp.NewBrowser();
        browser.Headers["Accept-Language"] = "nn";

        var page = await browser.GetAsync(IdpHost.Origin + "/no-such-page");

        page.Status.Should().Be(HttpStatusCode.NotFound);
        Lang(page).Should().Be("nn");
        page.Document.QuerySelector("h1")!.TextContent.Should().Be("Fann ikkje sida");
        page.Document.QuerySelector("main a[href='/']").Should().NotBeNull("a way back to the start page");
        page.Document.QuerySelector("main a[href^='mailto:']").Should().NotBeNull("the support contact");
    }

    [Fact]
    public async Task EnrollmentCodePasswordsDiffer_SaysSoInBokmaal()
    {
        var browser = idp.NewBrowser();
        browser.Headers.Remove("Accept-Language");
        var form = await browser.GetAsync(IdpHost.Origin + "/account/enroll-with-code");
        var userName = "lang-" + Guid.NewGuid().ToString("N")[..8];
        var code = await AdminApi.InScopeAsync(idp, async services =>
        {
            var user = new IdpUser { Id = Guid.NewGuid().ToString(), UserName = userName, CreatedAt = idp.Clock.GetUtcNow() };
            (await services.GetRequiredService<UserManager<IdpUser>>().CreateAsync(user)).Succeeded.Should().BeTrue();
            var issued = await services.GetRequiredService<Educloud.Idp.LocalAccounts.EnrollmentCodes>().IssueAsync(user.Id, "test", CancellationToken.None);
            await services.GetRequiredService<IdpDbContext>().SaveChangesAsync();
            return issued.Code;
        });

        var refused = await browser.SubmitAsync(form, "form[method=post]", new Dictionary<string, string>
        {
            ["username"] = userName, ["code"] = code, ["password"] = "a long pass phrase one", ["confirm"] = "a long pass phrase two",
        });

        refused.Status.Should().Be(HttpStatusCode.BadRequest);
        refused.Body.Should().Contain("Velg et annet passord:").And.Contain("De to passordene er ikke like.");
    }

    private async Task<T> InScopeAsync<T>(Func<IdpDbContext, Task<T>> query)
    {
        using var scope = idp.Services.CreateScope();
        return await query(scope.ServiceProvider.GetRequiredService<IdpDbContext>());
    }

    private static string? Lang(BrowserPage page) => page.Document.DocumentElement.GetAttribute("lang");
}
