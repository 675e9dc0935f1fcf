using System.Net;
using Educloud.Idp.Data;
using Educloud.Idp.Tests.Infrastructure;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Educloud.Idp.Tests.Federation;

/// <summary>
/// "Logout from our service" (Digdir's verification test): an app's logout ends the IdP session
/// and the ID-porten session behind it (RP-initiated logout upstream), then returns to the app.
/// </summary>
public sealed class UpstreamLogoutTests(IdpFixture fixture) : IClassFixture<IdpFixture>
{
    private const string AppLoggedOut = IdpHost.AppOrigin + "/signout-callback-oidc";

    [Fact]
    public async Task AppLogout_EndsTheIdPortenSessionToo_ThenReturnsToTheApp()
    {
        var (browser, tokens) = await fixture.LogInWithCodeAsync(Flows.NewPid());
        var logout = QueryHelpers.AddQueryString(IdpHost.Origin + "/connect/endsession", new Dictionary<string, string?>
        {
            ["id_token_hint"] = tokens.GetProperty("id_token").GetString(),
            ["post_logout_redirect_uri"] = AppLoggedOut,
            ["state"] = "app-state",
        });

        var atIdPorten = await browser.GetAsync(logout);

        atIdPorten.Status.Should().Be(HttpStatusCode.OK, atIdPorten.Body);
        atIdPorten.Address.AbsolutePath.Should().StartWith("/idporten-sim/", "the person is sent on to ID-porten's end_session_endpoint");
        atIdPorten.Body.Should().Contain("Your login session has ended", "the id_token_hint named ID-porten's session");
        atIdPorten.Document.QuerySelector("iframe")!.GetAttribute("src").Should().Contain("/federation/idporten/frontchannel-logout", "ID-porten tells the IdP too");

        var back = atIdPorten.Document.QuerySelector("a[href]")!.GetAttribute("href")!;
        await browser.GetAsync(back);

        browser.LeftTo!.GetLeftPart(UriPartial.Path).Should().Be(AppLoggedOut);
        QueryHelpers.ParseQuery(browser.LeftTo.Query)["state"].ToString().Should().Be("app-state");
        var again = await browser.GetAsync(Flows.AuthorizeUrl());
        again.Address.AbsolutePath.Should().Be("/account/login", "the IdP session is over");
    }

    [Fact]
    public async Task LogOutOnTheStartPage_EndsTheIdPortenSessionToo_ThenShowsTheStartPage()
    {
        var browser = await fixture.LoggedInBrowserAsync();
        var start = await browser.GetAsync(IdpHost.Origin + "/");

        var atIdPorten = await browser.SubmitAsync(start, "form[action='/account/logout']");

        atIdPorten.Address.AbsolutePath.Should().StartWith("/idporten-sim/", "{0}", atIdPorten.Status);
        atIdPorten.Body.Should().Contain("Your login session has ended");
        var home = await browser.GetAsync(atIdPorten.Document.QuerySelector("a[href]")!.GetAttribute("href")!);
        home.Address.AbsolutePath.Should().Be("/");
        (await browser.GetAsync(Flows.AuthorizeUrl())).Address.AbsolutePath.Should().Be("/account/login", "the IdP session is over");
    }

    [Fact]
    public async Task AppLogout_WhenIdPortensIdTokenCannotBeRead_StillEndsTheIdpSession_AndReturnsToTheApp()
    {
        var pid = Flows.NewPid();
        var (browser, tokens) = await fixture.LogInWithCodeAsync(pid);
        var userId = await AdminApi.UserIdAsync(fixture.Idp, pid);
        await AdminApi.InScopeAsync(fixture.Idp, s => s.GetRequiredService<IdpDbContext>().Sessions.Where(x => x.UserId == userId)
            .ExecuteUpdateAsync(x => x.SetProperty(r => r.UpstreamIdTokenProtected, "not-a-protected-value")));

        await browser.GetAsync(QueryHelpers.AddQueryString(IdpHost.Origin + "/connect/endsession", new Dictionary<string, string?>
        {
            ["id_token_hint"] = tokens.GetProperty("id_token").GetString(),
            ["post_logout_redirect_uri"] = AppLoggedOut,
        }));

        browser.LeftTo!.GetLeftPart(UriPartial.Path).Should().Be(AppLoggedOut, "the logout here still completes");
        (await browser.GetAsync(Flows.AuthorizeUrl())).Address.AbsolutePath.Should().Be("/account/login");
    }

    [Fact]
    public async Task ReturnFromIdPortenLogout_WithAForgedState_GoesToTheStartPage_AndChangesNothing()
    {
        var browser = fixture.Idp.NewBrowser();

        var page = await browser.GetAsync(IdpHost.Origin + "/federation/idporten/logged-out?state=forged");

        page.Address.AbsolutePath.Should().Be("/");
        browser.LeftTo.Should().BeNull();
    }
}
