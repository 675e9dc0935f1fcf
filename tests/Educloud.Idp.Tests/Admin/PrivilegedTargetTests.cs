using System.Net;
using Educloud.Idp.Admin;
using Educloud.Idp.Connect;
using Educloud.Idp.Data;
using Educloud.Idp.LocalAccounts;
using Educloud.Idp.Tests.Infrastructure;
using Educloud.Idp.Totp;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Educloud.Idp.Tests.Admin;

/// <summary>
/// Issue 8, item 1: support must never act on a person who has a role (admin or support, themselves
/// included); only an admin may, and that is audited as such. Roles are read from the database at
/// the moment of the act. Each test performs the attack as support and checks nothing changed.
/// </summary>
public sealed class PrivilegedTargetTests(IdpFixture fixture) : IClassFixture<IdpFixture>
{
    private IdpHost Idp => fixture.Idp;

    [Fact]
    public async Task TakeoverChain_SupportIssuesACodeForALocalAdmin_Refused_AdminKeepsPasswordAndAuthenticator()
    {
        // A local admin (no ID-porten): password and authenticator, set up with an admin's code.
        var (adminName, adminId, password) = await EnrolledLocalUserAsync(AdminRoles.Admin);
        var before = await SnapshotAsync(adminId);
        var support = await AdminApi.LogInAsync(Idp, AdminRoles.Support);

        // Step 1 of the takeover: an enrollment code for the admin. Refused, and nothing issued.
        var (status, problem, contentType) = await AdminApi.SendAsync(Idp, support.AccessToken, HttpMethod.Post,
            $"/api/admin/users/{adminId}/enrollment-codes", new { reason = "they asked me to" });
        status.Should().Be(403, problem.ToString());
        contentType.Should().Be("application/problem+json");
        problem.GetProperty("title").GetString().Should().Be(AdminActor.OnlyAdminTitle);
        problem.ToString().Should().NotContain("\"code\"");
        (await AdminApi.InScopeAsync(Idp, s => s.GetRequiredService<IdpDbContext>().EnrollmentCodes.CountAsync(c => c.UserId == adminId && c.UsedAt == null)))
            .Should().Be(0, "no code was issued");
        (await SnapshotAsync(adminId)).Should().BeEquivalentTo(before, "nothing about the admin changed");
        await ExpectRefusalAuditedAsync(adminId, support.UserId, AuditEventTypes.EnrollmentCodeIssued);

        // Step 2 of the takeover cannot happen: the admin still logs in with their own password.
        var browser = Idp.NewBrowser();
        var login = await browser.GetAsync(IdpHost.Origin + "/account/login");
        var codePage = await browser.SubmitAsync(login, "form#password-login", new Dictionary<string, string> { ["username"] = adminName, ["password"] = password });
        codePage.Address.AbsolutePath.Should().Be("/account/code", codePage.Body);
    }

    public static TheoryData<string, string> Acts => new()
    {
        { AdminRoles.Admin, "authenticator/revoke" },
        { AdminRoles.Admin, "sessions/end" },
        { AdminRoles.Admin, "unlock" },
        { AdminRoles.Support, "authenticator/revoke" },
        { AdminRoles.Support, "sessions/end" },
        { AdminRoles.Support, "unlock" },
    };

    [Theory]
    [MemberData(nameof(Acts))]
    public async Task Support_ActsOnAPersonWithARole_403_NothingChanged_Audited(string targetRole, string act)
    {
        var target = await AdminApi.LogInAsync(Idp, targetRole);
        await LockAsync(target.UserId);
        var before = await SnapshotAsync(target.UserId);
        var support = await AdminApi.LogInAsync(Idp, AdminRoles.Support);

        var (status, problem, _) = await AdminApi.SendAsync(Idp, support.AccessToken, HttpMethod.Post, $"/api/admin/users/{target.UserId}/{act}", new { reason = "ticket 1" });

        status.Should().Be(403, problem.ToString());
        problem.GetProperty("title").GetString().Should().Be(AdminActor.OnlyAdminTitle);
        (await SnapshotAsync(target.UserId)).Should().BeEquivalentTo(before);
        (await AdminApi.SendAsync(Idp, target.AccessToken, HttpMethod.Get, "/api/admin/users?q=x")).Status.Should().Be(200, "their tokens were not revoked");
        await ExpectRefusalAuditedAsync(target.UserId, support.UserId, ActType(act));
    }

    [Theory]
    [InlineData("authenticator/revoke")]
    [InlineData("sessions/end")]
    [InlineData("unlock")]
    public async Task Support_ActsOnThemselves_403(string act)
    {
        var support = await AdminApi.LogInAsync(Idp, AdminRoles.Support);
        var before = await SnapshotAsync(support.UserId);

        var (status, _, _) = await AdminApi.SendAsync(Idp, support.AccessToken, HttpMethod.Post, $"/api/admin/users/{support.UserId}/{act}", new { reason = "me" });

        status.Should().Be(403);
        (await SnapshotAsync(support.UserId)).Should().BeEquivalentTo(before);
    }

    [Fact]
    public async Task Support_IssuesACodeForALocalSupportPerson_403()
    {
        var (_, otherSupportId, _) = await EnrolledLocalUserAsync(AdminRoles.Support);
        var support = await AdminApi.LogInAsync(Idp, AdminRoles.Support);

        var (status, _, _) = await AdminApi.SendAsync(Idp, support.AccessToken, HttpMethod.Post, $"/api/admin/users/{otherSupportId}/enrollment-codes", new { reason = "x" });

        status.Should().Be(403);
        (await AdminApi.InScopeAsync(Idp, s => s.GetRequiredService<IdpDbContext>().EnrollmentCodes.CountAsync(c => c.UserId == otherSupportId && c.UsedAt == null))).Should().Be(0);
    }

    [Fact]
    public async Task EveryWriteOnAPerson_AsSupport_OnAnAdmin_403()
    {
        // Any endpoint that writes to /users/{id}/..., today's and tomorrow's, must refuse support on an admin.
        var admin = await AdminApi.LogInAsync(Idp, AdminRoles.Admin);
        var support = await AdminApi.LogInAsync(Idp, AdminRoles.Support);
        var writes = Idp.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText?.StartsWith(AdminApiExtensions.BasePath + "/users/{id}", StringComparison.Ordinal) == true)
            .SelectMany(e => (e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? []).Select(m => (Method: m, Path: e.RoutePattern.RawText!)))
            .Where(w => w.Method != "GET")
            .ToList();
        writes.Should().HaveCountGreaterThanOrEqualTo(4);

        foreach (var (method, path) in writes)
        {
            var (status, body, _) = await AdminApi.SendAsync(Idp, support.AccessToken, new HttpMethod(method),
                path.Replace("{id}", admin.UserId, StringComparison.Ordinal), new { reason = "x" });
            status.Should().Be(403, $"{method} {path}: {body}");
        }
    }

    [Fact]
    public async Task RoleGrantedASecondAgo_Counts()
    {
        var target = await AdminApi.LogInAsync(Idp, role: null);
        var support = await AdminApi.LogInAsync(Idp, AdminRoles.Support);
        var (_, details, _) = await AdminApi.SendAsync(Idp, support.AccessToken, HttpMethod.Get, "/api/admin/users/" + target.UserId);
        details.GetProperty("mayChange").GetBoolean().Should().BeTrue();

        await AdminApi.GrantAsync(Idp, target.UserId, AdminRoles.Admin);

        (await AdminApi.SendAsync(Idp, support.AccessToken, HttpMethod.Post, $"/api/admin/users/{target.UserId}/authenticator/revoke", new { reason = "x" }))
            .Status.Should().Be(403, "the role is read at the act, not from a token or an earlier page");
        (await ActiveFactorsAsync(target.UserId)).Should().Be(1);
        (_, details, _) = await AdminApi.SendAsync(Idp, support.AccessToken, HttpMethod.Get, "/api/admin/users/" + target.UserId);
        details.GetProperty("mayChange").GetBoolean().Should().BeFalse();
    }

    [Fact]
    public async Task CodeIssuedBySupport_BeforeTheRoleWasGranted_NoLongerWorks()
    {
        var support = await AdminApi.LogInAsync(Idp, AdminRoles.Support);
        var userName = NewUserName();
        var (_, created, _) = await AdminApi.SendAsync(Idp, support.AccessToken, HttpMethod.Post, "/api/admin/users", new { userName });
        var userId = created.GetProperty("id").GetString()!;
        var (issued, code, _) = await AdminApi.SendAsync(Idp, support.AccessToken, HttpMethod.Post, $"/api/admin/users/{userId}/enrollment-codes", new { reason = "new" });
        issued.Should().Be(201);

        await AdminApi.GrantAsync(Idp, userId, AdminRoles.Admin);

        var page = await EnrollWithCodeAsync(Idp.NewBrowser(), userName, code.GetProperty("code").GetString()!, NewPassword(), answerAuthenticator: false);
        page.Status.Should().Be(HttpStatusCode.BadRequest, page.Body);
        page.Address.AbsolutePath.Should().Be("/account/enroll-with-code");
        (await AdminApi.InScopeAsync(Idp, s => s.GetRequiredService<IdpDbContext>().EnrollmentCodes.CountAsync(c => c.UserId == userId && c.UsedAt != null))).Should().Be(0);
        (await AdminApi.InScopeAsync(Idp, s => s.GetRequiredService<IdpDbContext>().Users.Where(u => u.Id == userId).Select(u => u.PasswordHash).SingleAsync())).Should().BeNull();
    }

    [Fact]
    public async Task AdminActsOnAnotherAdmin_Allowed_AndAuditedAsSuch()
    {
        var admin = await AdminApi.LogInAsync(Idp, AdminRoles.Admin);
        var other = await AdminApi.LogInAsync(Idp, AdminRoles.Admin);
        var (_, details, _) = await AdminApi.SendAsync(Idp, admin.AccessToken, HttpMethod.Get, "/api/admin/users/" + other.UserId);
        details.GetProperty("mayChange").GetBoolean().Should().BeTrue();

        var (status, body, _) = await AdminApi.SendAsync(Idp, admin.AccessToken, HttpMethod.Post, $"/api/admin/users/{other.UserId}/sessions/end", new { reason = "left the team" });

        status.Should().Be(204, body.ToString());
        (await AdminApi.SendAsync(Idp, other.AccessToken, HttpMethod.Get, "/api/admin/users?q=x")).Status.Should().Be(401, "their tokens are revoked");
        var events = await AuditAsync(other.UserId);
        events.Should().Contain(e => e.Type == AuditEventTypes.SessionsEnded && e.Actor == admin.UserId && e.ActorRole == AdminRoles.Admin && e.Reason == "left the team");
        events.Should().ContainSingle(e => e.Type == AuditEventTypes.ActedOnPrivileged)
            .Which.Should().Match<AuditEvent>(e => e.Actor == admin.UserId && e.Reason == "admin.sessions_ended on a person with the role admin");

        // Queryable through the API: every act on a person with a role.
        var (_, listed, _) = await AdminApi.SendAsync(Idp, admin.AccessToken, HttpMethod.Get, "/api/admin/audit?type=" + AuditEventTypes.ActedOnPrivileged + "&userId=" + other.UserId);
        listed.GetArrayLength().Should().Be(1);
    }

    [Fact]
    public async Task AdminIssuesACodeForALocalAdmin_ItWorks()
    {
        var admin = await AdminApi.LogInAsync(Idp, AdminRoles.Admin);
        var (userName, userId, _) = await EnrolledLocalUserAsync(AdminRoles.Admin);

        var (status, code, _) = await AdminApi.SendAsync(Idp, admin.AccessToken, HttpMethod.Post, $"/api/admin/users/{userId}/enrollment-codes", new { reason = "lost phone" });

        status.Should().Be(201, code.ToString());
        (await AuditAsync(userId)).Should().Contain(e => e.Type == AuditEventTypes.ActedOnPrivileged && e.Reason!.StartsWith(AuditEventTypes.EnrollmentCodeIssued, StringComparison.Ordinal));
        var done = await EnrollWithCodeAsync(Idp.NewBrowser(), userName, code.GetProperty("code").GetString()!, NewPassword(), answerAuthenticator: false);
        done.Address.AbsolutePath.Should().NotBe("/account/enroll-with-code", "an admin's code for an admin works: " + done.Body);
    }

    [Fact]
    public async Task SupportOnAPersonWithoutARole_StillWorks()
    {
        var person = await AdminApi.LogInAsync(Idp, role: null);
        var support = await AdminApi.LogInAsync(Idp, AdminRoles.Support);
        var (_, details, _) = await AdminApi.SendAsync(Idp, support.AccessToken, HttpMethod.Get, "/api/admin/users/" + person.UserId);
        details.GetProperty("mayChange").GetBoolean().Should().BeTrue();

        (await AdminApi.SendAsync(Idp, support.AccessToken, HttpMethod.Post, $"/api/admin/users/{person.UserId}/sessions/end", new { reason = "x" })).Status.Should().Be(204);
        (await AuditAsync(person.UserId)).Should().NotContain(e => e.Type == AuditEventTypes.ActedOnPrivileged || e.Type == AuditEventTypes.RefusedOnPrivileged);
    }

    [Fact]
    public async Task RoleTakenAway_TheAccessTokenInHandStopsAtOnce()
    {
        var support = await AdminApi.LogInAsync(Idp, AdminRoles.Support);
        (await AdminApi.SendAsync(Idp, support.AccessToken, HttpMethod.Get, "/api/admin/users?q=x")).Status.Should().Be(200);
        await AdminApi.InScopeAsync(Idp, async s =>
        {
            var users = s.GetRequiredService<UserManager<IdpUser>>();
            return await users.RemoveFromRoleAsync((await users.FindByIdAsync(support.UserId))!, AdminRoles.Support);
        });

        (await AdminApi.SendAsync(Idp, support.AccessToken, HttpMethod.Get, "/api/admin/users?q=x")).Status.Should().Be(403);
    }

    [Fact]
    public async Task AdminDemotedToSupport_ActsAsSupport_WithTheOldToken()
    {
        var admin = await AdminApi.LogInAsync(Idp, AdminRoles.Admin);
        var other = await AdminApi.LogInAsync(Idp, AdminRoles.Admin);
        await AdminApi.GrantAsync(Idp, admin.UserId, AdminRoles.Support);
        await AdminApi.InScopeAsync(Idp, async s =>
        {
            var users = s.GetRequiredService<UserManager<IdpUser>>();
            return await users.RemoveFromRoleAsync((await users.FindByIdAsync(admin.UserId))!, AdminRoles.Admin);
        });

        // The old token says admin, the database says support now: the caller acts only with a role
        // held in both, so with none (a fresh token would carry support).
        (await AdminApi.SendAsync(Idp, admin.AccessToken, HttpMethod.Post, $"/api/admin/users/{other.UserId}/sessions/end", new { reason = "x" })).Status.Should().Be(403);
        (await AdminApi.SendAsync(Idp, admin.AccessToken, HttpMethod.Get, "/api/admin/apps")).Status.Should().Be(403);
        (await AdminApi.SendAsync(Idp, other.AccessToken, HttpMethod.Get, "/api/admin/users?q=x")).Status.Should().Be(200);
    }

    [Fact]
    public async Task Support_CannotRegisterOrChangeApps()
    {
        var support = await AdminApi.LogInAsync(Idp, AdminRoles.Support);
        (await AdminApi.SendAsync(Idp, support.AccessToken, HttpMethod.Get, "/api/admin/apps")).Status.Should().Be(403);
        (await AdminApi.SendAsync(Idp, support.AccessToken, HttpMethod.Post, "/api/admin/apps", new
        {
            clientId = "evil-" + Guid.NewGuid().ToString("N")[..8],
            clientType = "confidential",
            redirectUris = new[] { "https://evil.example/cb" },
            scopes = new[] { "openid", "pid" },
        })).Status.Should().Be(403);
        (await AdminApi.SendAsync(Idp, support.AccessToken, HttpMethod.Put, "/api/admin/apps/" + IdpHost.AppClientId, new { scopes = new[] { "openid", "pid" } })).Status.Should().Be(403);
        (await AdminApi.SendAsync(Idp, support.AccessToken, HttpMethod.Post, "/api/admin/apps/" + IdpHost.AppClientId + "/disable", new { reason = "x" })).Status.Should().Be(403);
    }

    [Fact]
    public async Task Support_CreatesALookAlikeOfAnAdmin_409()
    {
        var (adminName, adminId, _) = await EnrolledLocalUserAsync(AdminRoles.Admin, displayName: "Ada Admin " + Guid.NewGuid().ToString("N")[..6], email: NewUserName() + "@example.org");
        var admin = await AdminApi.InScopeAsync(Idp, s => s.GetRequiredService<IdpDbContext>().Users.AsNoTracking().SingleAsync(u => u.Id == adminId));
        var support = await AdminApi.LogInAsync(Idp, AdminRoles.Support);

        (await CreateAsync(support, NewUserName(), displayName: null, email: admin.Email!.ToUpperInvariant())).Should().Be(409, "the admin's email");
        (await CreateAsync(support, NewUserName(), displayName: " " + admin.DisplayName!.ToLowerInvariant() + " ", email: null)).Should().Be(409, "the admin's name");
        (await CreateAsync(support, NewUserName(), displayName: adminName, email: null)).Should().Be(409, "the admin's username as a name");
        (await CreateAsync(support, NewUserName(), displayName: "Someone Else", email: NewUserName() + "@example.org")).Should().Be(201);
    }

    private async Task<int> CreateAsync(AdminCaller support, string userName, string? displayName, string? email) =>
        (await AdminApi.SendAsync(Idp, support.AccessToken, HttpMethod.Post, "/api/admin/users", new { userName, displayName, email })).Status;

    private static string ActType(string act) => act switch
    {
        "authenticator/revoke" => AuditEventTypes.AuthenticatorRevoked,
        "sessions/end" => AuditEventTypes.SessionsEnded,
        _ => AuditEventTypes.Unlocked,
    };

    private sealed record Snapshot(int ActiveFactors, int OpenSessions, int TotpFailedAttempts, DateTimeOffset? TotpLockedUntil, string? PasswordHash, string? SecurityStamp, int ActTypes);

    private Task<Snapshot> SnapshotAsync(string userId) => AdminApi.InScopeAsync(Idp, async s =>
    {
        var db = s.GetRequiredService<IdpDbContext>();
        var user = await db.Users.AsNoTracking().SingleAsync(u => u.Id == userId);
        string[] acts = [AuditEventTypes.AuthenticatorRevoked, AuditEventTypes.SessionsEnded, AuditEventTypes.Unlocked, AuditEventTypes.EnrollmentCodeIssued];
        return new Snapshot(
            await db.TotpFactors.CountAsync(f => f.UserId == userId && f.State == TotpFactorState.Active),
            await db.Sessions.CountAsync(x => x.UserId == userId && x.EndedAt == null),
            user.TotpFailedAttempts,
            user.TotpLockedUntil,
            user.PasswordHash,
            user.SecurityStamp,
            await db.AuditEvents.CountAsync(a => a.UserId == userId && acts.Contains(a.Type)));
    });

    private Task<int> ActiveFactorsAsync(string userId) => AdminApi.InScopeAsync(Idp, s =>
        s.GetRequiredService<IdpDbContext>().TotpFactors.CountAsync(f => f.UserId == userId && f.State == TotpFactorState.Active));

    private Task<int> LockAsync(string userId) => AdminApi.InScopeAsync(Idp, s =>
        s.GetRequiredService<IdpDbContext>().Users.Where(u => u.Id == userId).ExecuteUpdateAsync(u => u
            .SetProperty(x => x.TotpFailedAttempts, 3)
            .SetProperty(x => x.TotpLockedUntil, Idp.Clock.GetUtcNow().AddHours(1))));

    private Task<List<AuditEvent>> AuditAsync(string userId) => AdminApi.InScopeAsync(Idp, s =>
        s.GetRequiredService<IdpDbContext>().AuditEvents.AsNoTracking().Where(a => a.UserId == userId).OrderBy(a => a.Id).ToListAsync());

    private async Task ExpectRefusalAuditedAsync(string targetId, string supportId, string act)
    {
        var events = await AuditAsync(targetId);
        events.Should().ContainSingle(e => e.Type == AuditEventTypes.RefusedOnPrivileged)
            .Which.Should().Match<AuditEvent>(e => e.Actor == supportId && e.ActorRole == AdminRoles.Support && e.Reason!.StartsWith(act + ":", StringComparison.Ordinal));
        events.Should().NotContain(e => e.Type == act && e.Actor == supportId);
    }

    private static string NewUserName() => "priv-" + Guid.NewGuid().ToString("N")[..10];

    private static string NewPassword() => "Privilege test " + Guid.NewGuid().ToString("N");

    /// <summary>A local person (no ID-porten) with a role, enrolled with a code an admin would issue.</summary>
    private async Task<(string UserName, string UserId, string Password)> EnrolledLocalUserAsync(string role, string? displayName = null, string? email = null)
    {
        var userName = NewUserName();
        var password = NewPassword();
        var (userId, code) = await AdminApi.InScopeAsync(Idp, async s =>
        {
            var user = new IdpUser { Id = Guid.NewGuid().ToString(), UserName = userName, DisplayName = displayName, Email = email, CreatedAt = Idp.Clock.GetUtcNow() };
            (await s.GetRequiredService<UserManager<IdpUser>>().CreateAsync(user)).Succeeded.Should().BeTrue();
            var issued = await s.GetRequiredService<EnrollmentCodes>().IssueAsync(user.Id, "test", CancellationToken.None);
            await s.GetRequiredService<IdpDbContext>().SaveChangesAsync();
            return (user.Id, issued.Code);
        });
        var done = await EnrollWithCodeAsync(Idp.NewBrowser(), userName, code, password);
        done.Address.AbsolutePath.Should().Be("/", done.Body);
        await AdminApi.GrantAsync(Idp, userId, role);
        return (userName, userId, password);
    }

    private static async Task<BrowserPage> EnrollWithCodeAsync(TestBrowser browser, string userName, string code, string password, bool answerAuthenticator = true)
    {
        var form = await browser.GetAsync(IdpHost.Origin + "/account/enroll-with-code");
        var next = await browser.SubmitAsync(form, "form[method=post]", new Dictionary<string, string>
        {
            ["username"] = userName, ["code"] = code, ["password"] = password, ["confirm"] = password,
        });
        return answerAuthenticator ? await Flows.AnswerSecondFactorAsync(browser, next, userName) : next;
    }
}
