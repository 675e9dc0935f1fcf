using System.Net;
using Educloud.Idp.Data;
using Educloud.Idp.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Educloud.Idp.Tests.People;

/// <summary>An address is used only once the person opened the link sent to it: once, in time, for that address (issue 12, part 6).</summary>
public sealed class EmailConfirmationTests(PeopleFixture fixture) : IClassFixture<PeopleFixture>
{
    private IdpHost Idp => fixture.Idp;

    [Fact]
    public async Task AddressGiven_GetsALink_ThatConfirmsItOnce()
    {
        var pid = Flows.NewPid();
        var address = PeopleFixture.NewAddress();
        var (browser, welcome) = await fixture.FirstLoginAsync(pid);

        await browser.SubmitAsync(welcome, "main form[method=post]", new Dictionary<string, string> { ["displayName"] = "Ola Nordmann", ["email"] = address });

        (await fixture.UserAsync(pid)).EmailConfirmed.Should().BeFalse("not before the link is opened");
        var mail = fixture.Smtp.To(address).Should().ContainSingle().Subject;
        mail.To.Mailboxes.Select(m => m.Address).Should().Equal(address);
        mail.From.Mailboxes.Single().Address.Should().Be("no-reply@educloud.test");
        var link = PeopleFixture.LinkIn(mail.TextBody);
        mail.TextBody.Should().NotContain(pid).And.NotContain(await AdminApi.UserIdAsync(Idp, pid));

        // Opening the link only shows the address (a mail scanner fetching it spends nothing).
        var opened = await Idp.NewBrowser().GetAsync(link);
        opened.Status.Should().Be(HttpStatusCode.OK, opened.Body);
        opened.Body.Should().Contain(address);
        (await fixture.UserAsync(pid)).EmailConfirmed.Should().BeFalse();

        var confirmed = await fixture.OpenLinkAsync(link);
        confirmed.Document.QuerySelector("[data-confirmed]").Should().NotBeNull(confirmed.Body);
        var user = await fixture.UserAsync(pid);
        (user.Email, user.EmailConfirmed, user.NormalizedEmail).Should().Be((address, true, address.ToUpperInvariant()));

        var again = await Idp.NewBrowser().GetAsync(link);
        again.Status.Should().Be(HttpStatusCode.BadRequest, "the link works once");
        again.Document.QuerySelector("[data-link-refused]").Should().NotBeNull();
    }

    [Fact]
    public async Task LinkUsedTwice_TheSecondPostIs400()
    {
        var pid = Flows.NewPid();
        var address = PeopleFixture.NewAddress();
        var (_, link) = await fixture.GaveAddressAsync(pid, address);
        var one = Idp.NewBrowser();
        var page = await one.GetAsync(link);
        var other = Idp.NewBrowser();
        var otherPage = await other.GetAsync(link);

        (await one.SubmitAsync(page, "main form[method=post]")).Status.Should().Be(HttpStatusCode.OK);
        var second = await other.SubmitAsync(otherPage, "main form[method=post]");

        second.Status.Should().Be(HttpStatusCode.BadRequest, second.Body);
    }

    [Fact]
    public async Task LinkOpenedAfterItExpired_Is400_AndTheAddressIsNotUsed()
    {
        var pid = Flows.NewPid();
        var address = PeopleFixture.NewAddress();
        var (_, link) = await fixture.GaveAddressAsync(pid, address);
        var reader = Idp.NewBrowser();
        var page = await reader.GetAsync(link);

        fixture.Clock.Advance(TimeSpan.FromHours(24) + TimeSpan.FromMinutes(1));
        var late = await reader.SubmitAsync(page, "main form[method=post]");

        late.Status.Should().Be(HttpStatusCode.BadRequest, late.Body);
        var user = await fixture.UserAsync(pid);
        (user.Email, user.EmailConfirmed).Should().Be((null, false));
    }

    [Theory]
    [InlineData("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    [InlineData("short")]
    [InlineData("../../etc/passwd")]
    [InlineData("ÆØÅÆØÅÆØÅÆØÅÆØÅÆØÅÆØÅÆØÅÆØÅÆØÅÆØÅÆØÅÆØÅÆØÅÆ")]
    public async Task WrongToken_Is400_AndChangesNothing(string token)
    {
        var pid = Flows.NewPid();
        var address = PeopleFixture.NewAddress();
        var (_, real) = await fixture.GaveAddressAsync(pid, address);
        var reader = Idp.NewBrowser();
        var form = await reader.GetAsync(real);

        var wrongGet = await Idp.NewBrowser().GetAsync(IdpHost.Origin + "/account/confirm-email?token=" + Uri.EscapeDataString(token));
        var wrongPost = await reader.SubmitAsync(form, "main form[method=post]", new Dictionary<string, string> { ["token"] = token });

        wrongGet.Status.Should().Be(HttpStatusCode.BadRequest, wrongGet.Body);
        wrongPost.Status.Should().Be(HttpStatusCode.BadRequest, wrongPost.Body);
        (await fixture.UserAsync(pid)).EmailConfirmed.Should().BeFalse();
        (await fixture.OpenLinkAsync(real)).Status.Should().Be(HttpStatusCode.OK, "the real link still works");
    }

    [Fact]
    public async Task LinkToAnOlderAddress_AfterAChange_DoesNothing_TheNewOneWorks()
    {
        var pid = Flows.NewPid();
        var first = PeopleFixture.NewAddress("first");
        var second = PeopleFixture.NewAddress("second");
        var (browser, oldLink) = await fixture.GaveAddressAsync(pid, first);

        fixture.Clock.Advance(TimeSpan.FromSeconds(30));
        var changed = await ChangeAddressAsync(browser, second, Idp.Authenticators.NextCode(pid, fixture.Clock));
        changed.Status.Should().Be(HttpStatusCode.OK, changed.Body);
        changed.Document.QuerySelector("[data-outcome=email-sent]").Should().NotBeNull(changed.Body);

        var old = await Idp.NewBrowser().GetAsync(oldLink);
        old.Status.Should().Be(HttpStatusCode.BadRequest, "a newer address replaced it");
        (await fixture.OpenLinkAsync(PeopleFixture.LinkIn(fixture.Smtp.To(second).Single().TextBody))).Status.Should().Be(HttpStatusCode.OK);
        var user = await fixture.UserAsync(pid);
        (user.Email, user.EmailConfirmed).Should().Be((second, true));
    }

    [Fact]
    public async Task ChangingTheAddress_AsksForACode_AWrongOneChangesNothing()
    {
        var pid = Flows.NewPid();
        var confirmed = PeopleFixture.NewAddress("kept");
        var browser = await fixture.PersonWithConfirmedAddressAsync(pid, confirmed);
        var profile = await browser.GetAsync(IdpHost.Origin + "/account/profile");
        profile.Document.QuerySelector("form[action*='handler=email'] input[name=code]").Should().NotBeNull("a change of address asks for a code");
        var attacker = PeopleFixture.NewAddress("attacker");

        var noCode = await ChangeAddressAsync(browser, attacker, "");
        var wrongCode = await ChangeAddressAsync(browser, attacker, "000000");

        noCode.Status.Should().Be(HttpStatusCode.BadRequest, noCode.Body);
        wrongCode.Status.Should().Be(HttpStatusCode.BadRequest, wrongCode.Body);
        wrongCode.Document.QuerySelector("[data-outcome=wrong-code]").Should().NotBeNull();
        fixture.Smtp.To(attacker).Should().BeEmpty();
        var user = await fixture.UserAsync(pid);
        (user.Email, user.EmailConfirmed).Should().Be((confirmed, true));
        (await AdminApi.InScopeAsync(Idp, s => s.GetRequiredService<IdpDbContext>().EmailConfirmations.CountAsync(c => c.UserId == user.Id))).Should().Be(0);

        // Removing it is a change too.
        var removeWithoutCode = await ChangeAddressAsync(browser, "", "000000");
        removeWithoutCode.Status.Should().Be(HttpStatusCode.BadRequest);
        (await fixture.UserAsync(pid)).Email.Should().Be(confirmed);
        fixture.Clock.Advance(TimeSpan.FromSeconds(30));
        var removed = await ChangeAddressAsync(browser, "", Idp.Authenticators.NextCode(pid, fixture.Clock));
        removed.Document.QuerySelector("[data-outcome=email-removed]").Should().NotBeNull(removed.Body);
        (await fixture.UserAsync(pid)).Email.Should().BeNull();
    }

    [Fact]
    public async Task NameOnTheProfilePage_IsSavedWithoutACode()
    {
        var pid = Flows.NewPid();
        var browser = await fixture.LoggedInAsync(pid);
        var profile = await browser.GetAsync(IdpHost.Origin + "/account/profile");

        var saved = await browser.SubmitAsync(profile, "form[action*='handler=name']", new Dictionary<string, string> { ["displayName"] = "Kari Nordmann" });

        saved.Status.Should().Be(HttpStatusCode.OK, saved.Body);
        (await fixture.UserAsync(pid)).DisplayName.Should().Be("Kari Nordmann");
    }

    private static async Task<BrowserPage> ChangeAddressAsync(TestBrowser browser, string address, string code)
    {
        var profile = await browser.GetAsync(IdpHost.Origin + "/account/profile");
        profile.Status.Should().Be(HttpStatusCode.OK, profile.Body);
        return await browser.SubmitAsync(profile, "form[action*='handler=email']", new Dictionary<string, string> { ["email"] = address, ["code"] = code });
    }
}
