using Educloud.Idp.Connect;
using Educloud.Idp.Data;
using Educloud.Idp.Tests.Infrastructure;
using Educloud.Idp.Tests.People;
using Educloud.Shared.Localization;
using Microsoft.Extensions.DependencyInjection;

namespace Educloud.Idp.Tests.Localization;

/// <summary>The person's own pages and the mails about their account in the person's language and Oslo time (issue 13).</summary>
public sealed class AccountPagesLanguageTests(PeopleFixture fixture) : IClassFixture<PeopleFixture>
{
    // A summer time (CEST, UTC+2): Oslo shows 10:30 where UTC is 08:30.
    private static readonly DateTimeOffset Summer = new(2026, 7, 15, 8, 30, 0, TimeSpan.Zero);

    private IdpHost Idp => fixture.Idp;

    [Fact]
    public async Task AccountPage_InNynorsk_SaysEventsAndLevelsInNynorsk_AtOsloSummerTime()
    {
        var pid = Flows.NewPid();
        var browser = await fixture.LoggedInAsync(pid);
        var userId = await AdminApi.UserIdAsync(Idp, pid);
        await AdminApi.InScopeAsync(Idp, s =>
        {
            var db = s.GetRequiredService<IdpDbContext>();
            db.AuditEvents.Add(new AuditEvent { At = Summer, Type = AuditEventTypes.TotpWrongCode, UserId = userId });
            db.AuditEvents.Add(new AuditEvent { At = Summer.AddMinutes(1), Type = AuditEventTypes.LoginSucceeded, UserId = userId, Reason = Flows.Substantial });
            return db.SaveChangesAsync();
        });
        browser.Headers["Accept-Language"] = "nn";

        var page = await browser.GetAsync(IdpHost.Origin + "/account");

        page.Document.DocumentElement.GetAttribute("lang").Should().Be("nn");
        page.Document.QuerySelector("h1")!.TextContent.Should().Be("Kontoen din");
        var rows = page.Document.QuerySelectorAll("#events tbody tr").ToList();
        var wrong = rows.Should().ContainSingle(r => r.GetAttribute("data-type") == AuditEventTypes.TotpWrongCode).Subject.TextContent;
        wrong.Should().Contain("15. juli 2026 kl. 10:30", "Oslo is UTC+2 in summer").And.Contain("Feil eingongskode");
        var login = rows.First(r => r.GetAttribute("data-type") == AuditEventTypes.LoginSucceeded).TextContent;
        login.Should().Contain("15. juli 2026 kl. 10:31").And.Contain("Logga inn").And.Contain("ID-porten, betydeleg tryggleiksnivå");
        rows.Select(r => r.TextContent).Should().Contain(t => t.Contains("Autentiseringsapp lagd til"), "the enrollment of this login, in Nynorsk");
        page.Document.QuerySelector("#sessions li[data-this=true]")!.TextContent.Should().Contain("Denne nettlesaren").And.Contain("ID-porten, betydeleg tryggleiksnivå");
        page.Body.Should().NotContain("idporten-loa-").And.NotContain("Logged in").And.NotContain("UTC");
    }

    [Fact]
    public async Task ConfirmationMail_AskedForOnANynorskPage_IsInNynorsk_WithTheLinksEndInOsloTime()
    {
        var pid = Flows.NewPid();
        var address = PeopleFixture.NewAddress();
        var browser = Idp.NewBrowser();
        browser.Headers["Accept-Language"] = "nn";
        var enroll = await Flows.ThroughIdPortenAsync(browser, IdpHost.Origin + "/account/login", pid);
        var welcome = await Flows.AnswerSecondFactorAsync(browser, enroll, pid, skipWelcome: false);
        welcome.Document.QuerySelector("h1")!.TextContent.Should().Be("Kva skal brukarstøtta kalle deg?");
        var sentAt = fixture.Clock.GetUtcNow();

        await browser.SubmitAsync(welcome, "main form[method=post]", new Dictionary<string, string> { ["email"] = address });

        var mail = fixture.Smtp.To(address).Should().ContainSingle().Subject;
        mail.Subject.Should().Be("Stadfest e-postadressa di for Educloud Research");
        mail.TextBody.Should().Contain("Nokon (forhåpentleg du) har gitt denne adressa")
            .And.Contain("før " + LocalTime.DateAndTime(sentAt.AddHours(24), Languages.Nynorsk) + " (norsk tid)")
            .And.NotContain("UTC").And.NotContain("Someone");
        PeopleFixture.LinkIn(mail.TextBody).Should().StartWith("https://localhost/account/confirm-email?token=");
    }

    [Fact]
    public async Task SupportNotice_IsInBokmal_WithTheEnglishBelow_WhateverLanguageThePersonUsed()
    {
        var pid = Flows.NewPid();
        var address = PeopleFixture.NewAddress();
        await fixture.PersonWithConfirmedAddressAsync(pid, address);
        var admin = await AdminApi.LogInAsync(Idp, AdminRoles.Support);
        var revokedAt = fixture.Clock.GetUtcNow();

        var (status, body, _) = await AdminApi.SendAsync(Idp, admin.AccessToken, HttpMethod.Post,
            $"/api/admin/users/{await AdminApi.UserIdAsync(Idp, pid)}/authenticator/revoke", new { reason = "test" });

        status.Should().Be(204, body.ToString());
        var mail = fixture.Smtp.To(address).Last();
        mail.Subject.Should().StartWith("Autentiseringsappen din for Educloud Research er fjernet").And.EndWith("Your Educloud Research authenticator app was revoked");
        var text = mail.TextBody ?? "";
        var bokmal = text.IndexOf("ble fjernet av brukerstøtte " + LocalTime.DateAndTime(revokedAt, Languages.Bokmal) + " (norsk tid)", StringComparison.Ordinal);
        var english = text.IndexOf("revoked by support on " + LocalTime.DateAndTime(revokedAt, Languages.English) + " (Norwegian time)", StringComparison.Ordinal);
        bokmal.Should().BePositive(text);
        english.Should().BeGreaterThan(bokmal, "English comes below the Bokmål");
        text.Should().StartWith("(English below)").And.Contain("Kontakt brukerstøtte").And.Contain("contact support")
            .And.Contain("ec-drift@uio.no", "the support contact from the Branding settings");
    }
}
