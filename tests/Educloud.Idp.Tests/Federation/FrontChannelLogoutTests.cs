using System.Net;
using Educloud.Idp.Data;
using Educloud.Idp.Tests.Infrastructure;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Educloud.Idp.Tests.Federation;

/// <summary>
/// "Logout from another service" (Digdir's verification test): ID-porten loads our front-channel
/// logout URI in a hidden iframe, without our cookies; the IdP ends its sessions by ID-porten's sid.
/// </summary>
public sealed class FrontChannelLogoutTests(IdpFixture fixture) : IClassFixture<IdpFixture>
{
    private const string Path = "/federation/idporten/frontchannel-logout";

    private IdpHost Idp => fixture.Idp;

    [Fact]
    public async Task IdPortenLogout_WithTheSid_EndsTheIdpSession_WithoutTheBrowsersCookies()
    {
        var pid = Flows.NewPid();
        var browser = await fixture.LoggedInBrowserAsync(pid);
        var sid = await UpstreamSessionIdAsync(pid);

        // The iframe: another browsing context, no cookie of ours (a fresh client, as third-party cookies are blocked).
        using var frame = Idp.NewBackchannel();
        using var response = await frame.GetAsync(Url(IdpHost.Origin + "/idporten-sim", sid));

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        var again = await browser.GetAsync(Flows.AuthorizeUrl());
        again.Address.AbsolutePath.Should().Be("/account/login", "the session that ID-porten's sid named is over");
        var userId = await AdminApi.UserIdAsync(Idp, pid);
        (await AdminApi.InScopeAsync(Idp, s => s.GetRequiredService<IdpDbContext>().Sessions.Where(x => x.UserId == userId)
            .Select(x => x.UpstreamIdTokenProtected).ToListAsync()))
            .Should().OnlyContain(token => token == null, "ID-porten's id_token (it holds the pid) goes with the session");
    }

    [Fact]
    public async Task FrontChannelLogoutPage_MayBeFramedByIdPortenOnly_AndIsNotCached()
    {
        using var frame = Idp.NewBackchannel();

        using var response = await frame.GetAsync(Url(IdpHost.Origin + "/idporten-sim", "no-such-session"));

        response.StatusCode.Should().Be(HttpStatusCode.OK, "an unknown sid is nothing to end");
        var csp = string.Join(' ', response.Headers.GetValues("Content-Security-Policy"));
        csp.Should().Contain("frame-ancestors " + IdpHost.Origin).And.NotContain("frame-ancestors 'none'");
        response.Headers.CacheControl!.NoStore.Should().BeTrue();
    }

    [Theory]
    [InlineData("https://evil.test/idporten")]
    [InlineData("")]
    public async Task FrontChannelLogout_FromAnotherIssuer_IsRefused_AndEndsNothing(string issuer)
    {
        var pid = Flows.NewPid();
        var browser = await fixture.LoggedInBrowserAsync(pid);
        var sid = await UpstreamSessionIdAsync(pid);
        using var frame = Idp.NewBackchannel();

        using var response = await frame.GetAsync(Url(issuer, sid));

        response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        await browser.GetAsync(Flows.AuthorizeUrl());
        Flows.RedirectParameters(browser).Should().ContainKey("code", "the session is still there");
    }

    [Theory]
    [InlineData(Path)]
    [InlineData(Path + "?iss=x&iss=y&sid=s")]
    [InlineData(Path + "?iss=https%3A%2F%2Flocalhost%2Fidporten-sim")]
    public async Task FrontChannelLogout_WithoutExactlyOneIssAndSid_Is400(string url)
    {
        using var frame = Idp.NewBackchannel();

        using var response = await frame.GetAsync(url);

        response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
    }

    private static string Url(string issuer, string sid) =>
        QueryHelpers.AddQueryString(Path, new Dictionary<string, string?> { ["iss"] = issuer, ["sid"] = sid });

    private async Task<string> UpstreamSessionIdAsync(string pid)
    {
        var userId = await AdminApi.UserIdAsync(Idp, pid);
        await using var scope = Idp.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<IdpDbContext>().Sessions
            .Where(s => s.UserId == userId && s.EndedAt == null)
            .Select(s => s.UpstreamSessionId!).SingleAsync();
    }
}
