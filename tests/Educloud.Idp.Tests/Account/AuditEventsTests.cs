using System.Net;
using Educloud.Idp.Data;
using Educloud.Idp.Tests.Infrastructure;
using Educloud.Idp.Totp;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Educloud.Idp.Tests.Account;

/// <summary>
/// Successful and refused logins and every way a session ends are audit events (issue 12, parts 4
/// and 6), each with what a person and support need: the app, the level, the way.
/// </summary>
public sealed class AuditEventsTests(AccountFixture fixture) : IClassFixture<AccountFixture>
{
    private IdpHost Idp => fixture.Idp;

    [Fact]
    public async Task LoginToAnApp_IsAudited_WithTheAppAndTheLevel()
    {
        var pid = Flows.NewPid();
        await fixture.LoggedInAsync(pid);
        fixture.Time.Advance(TimeSpan.FromSeconds(31));
        var browser = Idp.NewBrowser();

        var login = await browser.GetAsync(Flows.AuthorizeUrl());
        await Flows.LogInAtIdPortenAsync(browser, login, pid, Flows.High);

        Flows.RedirectParameters(browser).Should().ContainKey("code");
        var logins = (await EventsAsync(pid)).Where(e => e.Type == AuditEventTypes.LoginSucceeded).ToList();
        logins.Should().HaveCount(2);
        logins[0].ClientId.Should().BeNull("the first login was on the IdP's own pages");
        logins[0].Reason.Should().Be(Flows.Substantial);
        logins[1].ClientId.Should().Be(IdpHost.AppClientId);
        logins[1].Reason.Should().Be(Flows.High, "the level of the login");
    }

    [Fact]
    public async Task WrongCodes_ThenCodesDuringTheLockout_AreEachAudited_WithTheApp()
    {
        var pid = Flows.NewPid();
        await fixture.LoggedInAsync(pid);
        var codePage = await CodePageForAppAsync(pid);

        // Five wrong codes lock the account (the fifth starts the lockout); two more are refused unread.
        for (var i = 0; i < 7; i++)
        {
            codePage = await SubmitCodeAsync(codePage.Browser, codePage.Page, WrongCode(pid));
        }

        var refusals = (await EventsAsync(pid)).Where(e => e.Type.StartsWith("totp.", StringComparison.Ordinal) && e.Type != AuditEventTypes.TotpEnrolled).ToList();
        refusals.Select(e => e.Type).Should().Equal(
            AuditEventTypes.TotpWrongCode, AuditEventTypes.TotpWrongCode, AuditEventTypes.TotpWrongCode, AuditEventTypes.TotpWrongCode,
            AuditEventTypes.TotpLockedOut, AuditEventTypes.TotpRefusedLocked, AuditEventTypes.TotpRefusedLocked);
        refusals.Should().OnlyContain(e => e.ClientId == IdpHost.AppClientId);
    }

    [Fact]
    public async Task ACode_WhenTheAuthenticatorIsGone_IsAuditedAsNoAuthenticator()
    {
        var pid = Flows.NewPid();
        await fixture.LoggedInAsync(pid);
        var codePage = await CodePageForAppAsync(pid);
        var userId = await AdminApi.UserIdAsync(Idp, pid);
        // Revoked while the person was on the code page.
        await AdminApi.InScopeAsync(Idp, s => s.GetRequiredService<IdpDbContext>().TotpFactors.Where(f => f.UserId == userId).ExecuteDeleteAsync());

        await SubmitCodeAsync(codePage.Browser, codePage.Page, fixture.Idp.Authenticators.NextCode(pid, fixture.Time));

        (await EventsAsync(pid)).Should().ContainSingle(e => e.Type == AuditEventTypes.TotpNoAuthenticator)
            .Which.ClientId.Should().Be(IdpHost.AppClientId);
    }

    [Fact]
    public async Task LogoutFromAnApp_IsAudited_WithTheApp()
    {
        var pid = Flows.NewPid();
        var browser = await fixture.LoggedInAsync(pid);
        var pkce = Pkce.New();
        await browser.GetAsync(Flows.AuthorizeUrl(pkce: pkce));
        using var backchannel = Idp.NewBackchannel();
        var (status, tokens) = await Flows.RedeemCodeAsync(backchannel, Flows.RedirectParameters(browser)["code"], pkce);
        status.Should().Be(200);

        await browser.GetAsync(QueryHelpers.AddQueryString(IdpHost.Origin + "/connect/endsession", new Dictionary<string, string?>
        {
            ["id_token_hint"] = tokens.GetProperty("id_token").GetString(),
            ["post_logout_redirect_uri"] = IdpHost.AppOrigin + "/signout-callback-oidc",
        }));

        (await EventsAsync(pid)).Should().ContainSingle(e => e.Type.StartsWith("logout.", StringComparison.Ordinal))
            .Which.Should().Match<AuditEvent>(e => e.Type == AuditEventTypes.LogoutFromApp && e.ClientId == IdpHost.AppClientId);
    }

    [Fact]
    public async Task LogoutOnTheStartPage_IsAudited()
    {
        var pid = Flows.NewPid();
        var browser = await fixture.LoggedInAsync(pid);

        await browser.SubmitAsync(await browser.GetAsync(IdpHost.Origin + "/"), "form[action='/account/logout']");

        (await EventsAsync(pid)).Should().ContainSingle(e => e.Type.StartsWith("logout.", StringComparison.Ordinal))
            .Which.Type.Should().Be(AuditEventTypes.LogoutHere);
    }

    [Fact]
    public async Task LogoutAtIdPorten_IsAudited()
    {
        var pid = Flows.NewPid();
        var browser = await fixture.LoggedInAsync(pid);
        var userId = await AdminApi.UserIdAsync(Idp, pid);
        var sid = await AdminApi.InScopeAsync(Idp, s => s.GetRequiredService<IdpDbContext>().Sessions.Where(x => x.UserId == userId).Select(x => x.UpstreamSessionId).SingleAsync());

        using var frame = Idp.NewBackchannel();
        using var response = await frame.GetAsync(QueryHelpers.AddQueryString("/federation/idporten/frontchannel-logout",
            new Dictionary<string, string?> { ["iss"] = IdpHost.Origin + "/idporten-sim", ["sid"] = sid }));

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        (await AccountFixture.HasSessionAsync(browser)).Should().BeFalse();
        (await EventsAsync(pid)).Should().ContainSingle(e => e.Type.StartsWith("logout.", StringComparison.Ordinal))
            .Which.Type.Should().Be(AuditEventTypes.LogoutIdPorten);
    }

    [Fact]
    public async Task ATimedOutSession_IsAuditedAsATimeout_WhenThePersonComesBack()
    {
        var pid = Flows.NewPid();
        var browser = await fixture.LoggedInAsync(pid);

        fixture.Time.Advance(TimeSpan.FromMinutes(31));
        await browser.GetAsync(IdpHost.Origin + "/");

        (await EventsAsync(pid)).Should().ContainSingle(e => e.Type.StartsWith("logout.", StringComparison.Ordinal))
            .Which.Type.Should().Be(AuditEventTypes.LogoutTimeout);
    }

    [Fact]
    public async Task SupportEndingTheSessions_IsAuditedForThePerson()
    {
        var pid = Flows.NewPid();
        await fixture.LoggedInAsync(pid);
        var userId = await AdminApi.UserIdAsync(Idp, pid);
        fixture.Time.Advance(TimeSpan.FromSeconds(31));
        var support = await AdminApi.LogInAsync(Idp, "support");

        var (status, _, _) = await AdminApi.SendAsync(Idp, support.AccessToken, HttpMethod.Post, $"/api/admin/users/{userId}/sessions/end", new { reason = "lost laptop" });

        status.Should().Be(204);
        (await EventsAsync(pid)).Should().ContainSingle(e => e.Type == AuditEventTypes.SessionsEnded).Which.Actor.Should().Be(support.UserId);
    }

    // A code that matches none of the steps accepted now (drift included).
    private string WrongCode(string pid)
    {
        var secret = Idp.Authenticators.SecretOf(pid);
        var now = fixture.Time.GetUtcNow();
        var accepted = new[] { -1, 0, 1 }.Select(d => TotpCode.Compute(secret, now.AddSeconds(30 * d))).ToHashSet();
        return new[] { "000000", "111111", "222222", "333333" }.First(c => !accepted.Contains(c));
    }

    private async Task<List<AuditEvent>> EventsAsync(string pid) => await fixture.EventsAsync(await AdminApi.UserIdAsync(Idp, pid));

    /// <summary>A new browser at the code page of a login to the test app (ID-porten done, no code typed).</summary>
    private async Task<(TestBrowser Browser, BrowserPage Page)> CodePageForAppAsync(string pid)
    {
        fixture.Time.Advance(TimeSpan.FromSeconds(31));
        var browser = Idp.NewBrowser();
        var page = await Flows.ThroughIdPortenAsync(browser, Flows.AuthorizeUrl(), pid);
        page.Address.AbsolutePath.Should().Be("/account/code", page.Body);
        return (browser, page);
    }

    private static async Task<(TestBrowser Browser, BrowserPage Page)> SubmitCodeAsync(TestBrowser browser, BrowserPage page, string code) =>
        (browser, await browser.SubmitAsync(page, "form[method=post]", new Dictionary<string, string> { ["code"] = code }));
}
