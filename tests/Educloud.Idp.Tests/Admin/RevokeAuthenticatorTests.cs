using System.Net;
using Educloud.Idp.Connect;
using Educloud.Idp.Data;
using Educloud.Idp.Tests.Infrastructure;
using Educloud.Idp.Totp;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Educloud.Idp.Tests.Admin;

/// <summary>Revoking an authenticator is one complete act (issue 4, point 4), end to end in-process.</summary>
public sealed class RevokeAuthenticatorTests(IdpFixture fixture) : IClassFixture<IdpFixture>
{
    private IdpHost Idp => fixture.Idp;

    [Fact]
    public async Task AdminRevokes_TokensSessionAndFactorAreGone_NextLoginEnrolls_Audited()
    {
        // The person: logged in to an app, holding a refresh token and an IdP session.
        var pid = Flows.NewPid();
        var (browser, tokens) = await fixture.LogInWithCodeAsync(pid);
        var refreshToken = tokens.GetProperty("refresh_token").GetString()!;
        var accessToken = tokens.GetProperty("access_token").GetString()!;

        // The admin finds them by national identity number and revokes the authenticator.
        var admin = await AdminApi.LogInAsync(Idp, AdminRoles.Admin);
        var (_, found, _) = await AdminApi.SendAsync(Idp, admin.AccessToken, HttpMethod.Get, "/api/admin/users?q=" + pid);
        var userId = found.EnumerateArray().Single().GetProperty("id").GetString()!;
        var (status, body, _) = await AdminApi.SendAsync(Idp, admin.AccessToken, HttpMethod.Post,
            $"/api/admin/users/{userId}/authenticator/revoke", new { reason = "phone stolen (ticket 4711)" });
        status.Should().Be(204, body.ToString());

        // The refresh token no longer works.
        using var backchannel = Idp.NewBackchannel();
        var (refreshStatus, refreshed) = await Flows.RefreshAsync(backchannel, refreshToken);
        refreshStatus.Should().Be(400, refreshed.ToString());
        refreshed.GetProperty("error").GetString().Should().Be("invalid_grant");

        // Nor does the access token at userinfo (token entry: revoked).
        using var userinfo = new HttpRequestMessage(HttpMethod.Get, "/connect/userinfo");
        userinfo.Headers.Authorization = new("Bearer", accessToken);
        (await backchannel.SendAsync(userinfo)).StatusCode.Should().Be(HttpStatusCode.Unauthorized);

        // No factor is left, and the IdP session is gone: the app's next request goes to the login page.
        var factors = await AdminApi.InScopeAsync(Idp, s => s.GetRequiredService<IdpDbContext>().TotpFactors.CountAsync(f => f.UserId == userId));
        factors.Should().Be(0);
        var sessions = await AdminApi.InScopeAsync(Idp, s => s.GetRequiredService<IdpDbContext>().Sessions.CountAsync(f => f.UserId == userId && f.EndedAt == null));
        sessions.Should().Be(0);
        var page = await browser.GetAsync(Flows.AuthorizeUrl());
        page.Address.AbsolutePath.Should().Be("/account/login");

        // The next login through ID-porten leads into enrollment (the old phone's codes are worthless).
        var simulator = await browser.SubmitAsync(page);
        var next = await browser.SubmitAsync(simulator, values: new Dictionary<string, string>
        {
            ["sim_pid"] = pid,
            ["sim_pid_other"] = "",
            ["sim_acr"] = Flows.Substantial,
        });
        next.Address.AbsolutePath.Should().Be("/account/enroll", next.Body);

        // The audit log says who did it, with what role, why, and from where.
        var (auditStatus, audit, _) = await AdminApi.SendAsync(Idp, admin.AccessToken, HttpMethod.Get,
            $"/api/admin/audit?userId={userId}&type={AuditEventTypes.AuthenticatorRevoked}");
        auditStatus.Should().Be(200, audit.ToString());
        var entry = audit.EnumerateArray().Single();
        entry.GetProperty("actor").GetString().Should().Be(admin.UserId);
        entry.GetProperty("actorRole").GetString().Should().Be("admin");
        entry.GetProperty("reason").GetString().Should().Be("phone stolen (ticket 4711)");
        entry.GetProperty("clientIp").ValueKind.Should().NotBe(System.Text.Json.JsonValueKind.Undefined);
    }

    [Fact]
    public async Task SupportMayRevoke_ButNotWithoutAReason()
    {
        var pid = Flows.NewPid();
        await fixture.LoggedInBrowserAsync(pid);
        var userId = await AdminApi.UserIdAsync(Idp, pid);
        var support = await AdminApi.LogInAsync(Idp, AdminRoles.Support);

        var (noReason, problem, _) = await AdminApi.SendAsync(Idp, support.AccessToken, HttpMethod.Post, $"/api/admin/users/{userId}/authenticator/revoke", new { });
        noReason.Should().Be(400);
        problem.GetProperty("title").GetString().Should().Contain("reason");
        (await AdminApi.InScopeAsync(Idp, s => s.GetRequiredService<IdpDbContext>().TotpFactors.CountAsync(f => f.UserId == userId && f.State == TotpFactorState.Active)))
            .Should().Be(1, "a refused request changes nothing");

        var (status, _, _) = await AdminApi.SendAsync(Idp, support.AccessToken, HttpMethod.Post, $"/api/admin/users/{userId}/authenticator/revoke", new { reason = "lost phone" });
        status.Should().Be(204);
    }
}
