using System.Net;
using Educloud.Idp.Connect;
using Educloud.Idp.Data;
using Educloud.Idp.Tests.Infrastructure;
using Educloud.Shared.Localization;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MimeKit;

namespace Educloud.Idp.Tests.People;

/// <summary>
/// A revoked or replaced authenticator is told to the person: on the page of their next login (once)
/// and at once by mail to a confirmed address (issue 12, part 5).
/// </summary>
public sealed class ChangeNoticeTests(PeopleFixture fixture) : IClassFixture<PeopleFixture>
{
    private IdpHost Idp => fixture.Idp;

    [Fact]
    public async Task Revoked_ToldByMailAtOnce_AndOnTheNextLoginOnce()
    {
        var pid = Flows.NewPid();
        var address = PeopleFixture.NewAddress();
        await fixture.PersonWithConfirmedAddressAsync(pid, address);
        var userId = await AdminApi.UserIdAsync(Idp, pid);
        var admin = await AdminApi.LogInAsync(Idp, AdminRoles.Support);

        var (status, body, _) = await AdminApi.SendAsync(Idp, admin.AccessToken, HttpMethod.Post,
            $"/api/admin/users/{userId}/authenticator/revoke", new { reason = "phone lost (ticket 4711)" });
        status.Should().Be(204, body.ToString());

        var mail = fixture.Smtp.To(address).Should().HaveCount(2, "the confirmation link, then the notice").And.Subject.Last();
        mail.Subject.Should().Be("Autentiseringsappen din for Educloud Research er fjernet / Your Educloud Research authenticator app was revoked");
        mail.TextBody.Should().Contain("revoked by support on " + LocalTime.DateAndTime(fixture.Clock.GetUtcNow(), Languages.English) + " (Norwegian time)");
        NoSecretsIn(mail, pid, userId, "ticket 4711");

        var (browser, enroll) = await fixture.ToSecondFactorAsync(pid);
        enroll.Address.AbsolutePath.Should().Be("/account/enroll", enroll.Body);
        var notice = enroll.Document.QuerySelector("[data-change-notice=authenticator-revoked]");
        notice.Should().NotBeNull(enroll.Body);
        notice!.TextContent.Should().Contain("Your authenticator was revoked by support on").And.Contain("If this was not you, contact support.");
        (await Flows.AnswerSecondFactorAsync(browser, enroll, pid)).Address.AbsolutePath.Should().Be("/");

        var (_, code) = await fixture.ToSecondFactorAsync(pid);
        code.Address.AbsolutePath.Should().Be("/account/code", code.Body);
        code.Document.QuerySelectorAll("[data-change-notice]").Should().BeEmpty("a notice is shown until a login completes with it");
    }

    [Fact]
    public async Task Replaced_ToldByMailAtOnce_AndOnTheNextLoginOnce_NotOnTheLoginThatReplacedIt()
    {
        var pid = Flows.NewPid();
        var address = PeopleFixture.NewAddress();
        await fixture.PersonWithConfirmedAddressAsync(pid, address);
        var userId = await AdminApi.UserIdAsync(Idp, pid);

        var (enroll, done) = await fixture.ReplaceAuthenticatorAsync(pid);
        enroll.Document.QuerySelectorAll("[data-change-notice]").Should().BeEmpty("nothing had changed yet");
        done.Document.QuerySelector("[data-notice=authenticator-replaced]").Should().NotBeNull(done.Body);
        done.Document.QuerySelectorAll("[data-change-notice]").Should().BeEmpty();

        var mail = fixture.Smtp.To(address).Should().HaveCount(2).And.Subject.Last();
        mail.Subject.Should().Be("Autentiseringsappen din for Educloud Research er byttet ut / Your Educloud Research authenticator app was replaced");
        NoSecretsIn(mail, pid, userId, Convert.ToBase64String(Idp.Authenticators.SecretOf(pid)));
        mail.TextBody.Should().NotContain(OtpNet.Base32Encoding.ToString(Idp.Authenticators.SecretOf(pid)));

        var (next, code) = await fixture.ToSecondFactorAsync(pid);
        code.Document.QuerySelector("[data-change-notice=authenticator-replaced]").Should().NotBeNull(code.Body);
        (await Flows.AnswerSecondFactorAsync(next, code, pid)).Address.AbsolutePath.Should().Be("/");

        var (_, after) = await fixture.ToSecondFactorAsync(pid);
        after.Document.QuerySelectorAll("[data-change-notice]").Should().BeEmpty();
    }

    [Fact]
    public async Task WrongCodeOnTheNoticePage_KeepsTheNotice()
    {
        var pid = Flows.NewPid();
        await fixture.LoggedInAsync(pid);
        await fixture.ReplaceAuthenticatorAsync(pid);

        var (browser, code) = await fixture.ToSecondFactorAsync(pid);
        var refused = await browser.SubmitAsync(code, "form[method=post]", new Dictionary<string, string> { ["code"] = "000000" });

        refused.Status.Should().Be(HttpStatusCode.BadRequest);
        refused.Document.QuerySelector("[data-change-notice=authenticator-replaced]").Should().NotBeNull("only a completed login marks it seen");
        var again = await browser.GetAsync(IdpHost.Origin + "/account/code");
        again.Document.QuerySelector("[data-change-notice=authenticator-replaced]").Should().NotBeNull();
    }

    [Fact]
    public async Task NoConfirmedAddress_NoMail_ButTheNoticeAtTheNextLogin()
    {
        var pid = Flows.NewPid();
        var unconfirmed = PeopleFixture.NewAddress("unconfirmed");
        await fixture.GaveAddressAsync(pid, unconfirmed);
        var silent = Flows.NewPid();
        await fixture.LoggedInAsync(silent);
        var admin = await AdminApi.LogInAsync(Idp, AdminRoles.Support);
        var before = fixture.Smtp.Received.Count;

        foreach (var person in new[] { pid, silent })
        {
            var (status, _, _) = await AdminApi.SendAsync(Idp, admin.AccessToken, HttpMethod.Post,
                $"/api/admin/users/{await AdminApi.UserIdAsync(Idp, person)}/authenticator/revoke", new { reason = "test" });
            status.Should().Be(204);
        }

        // The mail is sent before the API answers: nothing came.
        fixture.Smtp.Received.Count.Should().Be(before);
        fixture.Smtp.To(unconfirmed).Should().ContainSingle("only the link, never a notice to an unconfirmed address");
        var (_, enroll) = await fixture.ToSecondFactorAsync(silent);
        enroll.Document.QuerySelector("[data-change-notice=authenticator-revoked]").Should().NotBeNull(enroll.Body);
    }

    [Fact]
    public async Task AnAddressNobodyConfirmed_GetsNoNotice()
    {
        // As support types one for a local user: on the person's row, never confirmed by them.
        var pid = Flows.NewPid();
        var typed = PeopleFixture.NewAddress("typed");
        await fixture.LoggedInAsync(pid);
        var userId = await AdminApi.UserIdAsync(Idp, pid);
        await AdminApi.InScopeAsync(Idp, s => s.GetRequiredService<IdpDbContext>().Users.Where(u => u.Id == userId)
            .ExecuteUpdateAsync(u => u.SetProperty(x => x.Email, typed).SetProperty(x => x.NormalizedEmail, typed.ToUpperInvariant())));
        var admin = await AdminApi.LogInAsync(Idp, AdminRoles.Support);

        var (status, _, _) = await AdminApi.SendAsync(Idp, admin.AccessToken, HttpMethod.Post, $"/api/admin/users/{userId}/authenticator/revoke", new { reason = "test" });

        status.Should().Be(204);
        fixture.Smtp.To(typed).Should().BeEmpty();
    }

    private static void NoSecretsIn(MimeMessage mail, string pid, string userId, string other)
    {
        var text = mail.ToString();
        text.Should().NotContain(pid).And.NotContain(userId).And.NotContain(other).And.NotContain("token=");
    }
}
