using System.Net;
using Educloud.Idp.Admin;
using Educloud.Idp.Connect;
using Educloud.Idp.Data;
using Educloud.Idp.Tests.Infrastructure;
using Educloud.Idp.Totp;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Educloud.Idp.Tests.Admin;

/// <summary>The admin API's user endpoints: who may call them, bad input, and what they do.</summary>
public sealed class AdminUsersApiTests(IdpFixture fixture) : IClassFixture<IdpFixture>
{
    private IdpHost Idp => fixture.Idp;

    public static TheoryData<string, string> UserEndpoints => new()
    {
        { "GET", "/api/admin/users?q=x" },
        { "GET", "/api/admin/users/some-id" },
        { "POST", "/api/admin/users/some-id/authenticator/revoke" },
        { "POST", "/api/admin/users/some-id/sessions/end" },
        { "POST", "/api/admin/users/some-id/unlock" },
    };

    [Theory]
    [MemberData(nameof(UserEndpoints))]
    public async Task WithoutToken_401(string method, string path)
    {
        var (status, _, contentType) = await AdminApi.SendAsync(Idp, null, new HttpMethod(method), path, method == "POST" ? new { reason = "x" } : null);
        status.Should().Be(401);
        contentType.Should().Be("application/problem+json");
    }

    [Theory]
    [MemberData(nameof(UserEndpoints))]
    public async Task WithGarbageToken_401(string method, string path)
    {
        var (status, _, _) = await AdminApi.SendAsync(Idp, "not-a-token", new HttpMethod(method), path, method == "POST" ? new { reason = "x" } : null);
        status.Should().Be(401);
    }

    [Fact]
    public async Task AppTokenWithoutAdminScope_EvenForAnAdmin_403()
    {
        var admin = await AdminApi.LogInAsync(Idp, AdminRoles.Admin);
        var (appToken, _) = await AdminApi.TokensAsync(Idp, admin.Browser, "openid profile", IdpHost.AppClientId);

        foreach (var (method, path) in Endpoints())
        {
            var (status, _, _) = await AdminApi.SendAsync(Idp, appToken, new HttpMethod(method), path, method == "POST" ? new { reason = "x" } : null);
            status.Should().Be(403, $"{method} {path} with a token not for the admin API");
        }
    }

    [Fact]
    public async Task AdminScopeWithoutRole_403()
    {
        var nobody = await AdminApi.LogInAsync(Idp, role: null);
        foreach (var (method, path) in Endpoints())
        {
            var (status, _, _) = await AdminApi.SendAsync(Idp, nobody.AccessToken, new HttpMethod(method), path, method == "POST" ? new { reason = "x" } : null);
            status.Should().Be(403, $"{method} {path} without a role");
        }
    }

    [Fact]
    public async Task Support_FindsByPidExactly_AndByUsername_AndSeesDetails()
    {
        var support = await AdminApi.LogInAsync(Idp, AdminRoles.Support);
        var pid = Flows.NewPid();
        await fixture.LoggedInBrowserAsync(pid);
        var userId = await AdminApi.UserIdAsync(Idp, pid);

        var (status, found, _) = await AdminApi.SendAsync(Idp, support.AccessToken, HttpMethod.Get, "/api/admin/users?q=" + pid);
        status.Should().Be(200, found.ToString());
        found.EnumerateArray().Select(u => u.GetProperty("id").GetString()).Should().Equal(userId);
        found.ToString().Should().NotContain(pid, "the pid is never shown in a search result");

        // A prefix of the pid is not a pid: no partial matching on the national identity number.
        (_, found, _) = await AdminApi.SendAsync(Idp, support.AccessToken, HttpMethod.Get, "/api/admin/users?q=" + pid[..10]);
        found.EnumerateArray().Should().BeEmpty();

        var userName = await AdminApi.InScopeAsync(Idp, s => s.GetRequiredService<IdpDbContext>().Users.Where(u => u.Id == userId).Select(u => u.UserName!).SingleAsync());
        (_, found, _) = await AdminApi.SendAsync(Idp, support.AccessToken, HttpMethod.Get, "/api/admin/users?q=" + userName[..12].ToUpperInvariant());
        found.EnumerateArray().Select(u => u.GetProperty("id").GetString()).Should().Contain(userId);

        var (detailStatus, details, _) = await AdminApi.SendAsync(Idp, support.AccessToken, HttpMethod.Get, "/api/admin/users/" + userId);
        detailStatus.Should().Be(200, details.ToString());
        var authenticators = details.GetProperty("authenticators").EnumerateArray().ToList();
        authenticators.Should().ContainSingle().Which.GetProperty("state").GetString().Should().Be("Active");
        authenticators[0].GetProperty("lastUsedAt").ValueKind.Should().NotBe(System.Text.Json.JsonValueKind.Null);
        details.GetProperty("lockedOut").GetBoolean().Should().BeFalse();
        details.GetProperty("activeSessions").GetArrayLength().Should().Be(1);
        details.GetProperty("upstreamLogins").EnumerateArray().Select(l => l.GetProperty("provider").GetString()).Should().Contain("idporten");
        details.GetProperty("user").GetProperty("fromIdPorten").GetBoolean().Should().BeTrue();
    }

    [Fact]
    public async Task Details_ListAuthorizations()
    {
        var support = await AdminApi.LogInAsync(Idp, AdminRoles.Support);
        var (_, details, _) = await AdminApi.SendAsync(Idp, support.AccessToken, HttpMethod.Get, "/api/admin/users/" + support.UserId);
        var authorizations = details.GetProperty("authorizations").EnumerateArray().ToList();
        authorizations.Should().NotBeEmpty("the admin console's own code flow made one");
        authorizations.Select(a => a.GetProperty("clientId").GetString()).Should().Contain(IdpHost.AdminClientId, "the app by its client id, not OpenIddict's row id");
        details.GetProperty("roles").EnumerateArray().Select(r => r.GetString()).Should().Equal("support");
    }

    [Theory]
    [InlineData("GET", "/api/admin/users", null, 400)]
    [InlineData("GET", "/api/admin/users?q=", null, 400)]
    [InlineData("GET", "/api/admin/users/no-such-user", null, 404)]
    [InlineData("POST", "/api/admin/users/no-such-user/authenticator/revoke", "reason", 404)]
    [InlineData("POST", "/api/admin/users/no-such-user/sessions/end", "reason", 404)]
    [InlineData("POST", "/api/admin/users/no-such-user/unlock", "reason", 404)]
    [InlineData("POST", "/api/admin/users/no-such-user/authenticator/revoke", "", 400)]
    [InlineData("POST", "/api/admin/users/no-such-user/authenticator/revoke", "  ", 400)]
    [InlineData("POST", "/api/admin/users/no-such-user/authenticator/revoke", null, 400)]
    public async Task BadInput_GivesProblemDetails(string method, string path, string? reason, int expected)
    {
        var support = await SupportAsync();
        var (status, body, contentType) = await AdminApi.SendAsync(Idp, support.AccessToken, new HttpMethod(method), path, method == "POST" ? new { reason } : null);
        status.Should().Be(expected, body.ToString());
        contentType.Should().Be("application/problem+json");
        body.GetProperty("status").GetInt32().Should().Be(expected);
        body.GetProperty("title").GetString().Should().NotBeNullOrEmpty();
    }

    [Theory]
    [InlineData("{not json")]
    [InlineData("[1,2]")]
    [InlineData("{\"reason\": 5}")]
    public async Task MalformedJson_400NotServerError(string json)
    {
        var support = await SupportAsync();
        using var client = AdminApi.Client(Idp, support.AccessToken);
        using var response = await client.PostAsync("/api/admin/users/" + support.UserId + "/authenticator/revoke",
            new StringContent(json, System.Text.Encoding.UTF8, "application/json"));
        response.StatusCode.Should().Be(HttpStatusCode.BadRequest, await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Unlock_ClearsTheLockout_AndIsAudited()
    {
        var support = await SupportAsync();
        var pid = Flows.NewPid();
        await fixture.LoggedInBrowserAsync(pid);
        var userId = await AdminApi.UserIdAsync(Idp, pid);
        await AdminApi.InScopeAsync(Idp, async s =>
        {
            var db = s.GetRequiredService<IdpDbContext>();
            return await db.Users.Where(u => u.Id == userId).ExecuteUpdateAsync(u => u
                .SetProperty(x => x.TotpFailedAttempts, 5)
                .SetProperty(x => x.TotpLockedUntil, DateTimeOffset.UtcNow.AddHours(1)));
        });
        var (_, before, _) = await AdminApi.SendAsync(Idp, support.AccessToken, HttpMethod.Get, "/api/admin/users/" + userId);
        before.GetProperty("lockedOut").GetBoolean().Should().BeTrue();

        var (status, _, _) = await AdminApi.SendAsync(Idp, support.AccessToken, HttpMethod.Post, $"/api/admin/users/{userId}/unlock", new { reason = "called the helpdesk" });

        status.Should().Be(204);
        var user = await AdminApi.InScopeAsync(Idp, s => s.GetRequiredService<IdpDbContext>().Users.AsNoTracking().SingleAsync(u => u.Id == userId));
        user.TotpFailedAttempts.Should().Be(0);
        user.TotpLockedUntil.Should().BeNull();
        var audit = await LastAuditAsync(userId);
        audit.Type.Should().Be(AuditEventTypes.Unlocked);
        audit.Actor.Should().Be(support.UserId);
        audit.ActorRole.Should().Be("support");
        audit.Reason.Should().Be("called the helpdesk");
    }

    [Fact]
    public async Task EndSessions_EndsTheIdpSession_AndRevokesTheTokensAtOnce()
    {
        // An admin, since the other person has a role (support may not change them: PrivilegedTargetTests).
        var admin = await AdminApi.LogInAsync(Idp, AdminRoles.Admin);
        var other = await AdminApi.LogInAsync(Idp, AdminRoles.Support);

        var (status, _, _) = await AdminApi.SendAsync(Idp, admin.AccessToken, HttpMethod.Post, $"/api/admin/users/{other.UserId}/sessions/end", new { reason = "shared computer" });
        status.Should().Be(204);

        // Token entry validation: the other person's access token stops working at once, not when it expires.
        var (afterStatus, _, _) = await AdminApi.SendAsync(Idp, other.AccessToken, HttpMethod.Get, "/api/admin/users?q=x");
        afterStatus.Should().Be(401);
        var page = await other.Browser.GetAsync(Flows.AuthorizeUrl());
        page.Address.AbsolutePath.Should().Be("/account/login", "the IdP session has ended");
    }

    [Fact]
    public async Task RoleTakenAway_ARefreshedTokenNoLongerCarriesIt()
    {
        var support = await SupportAsync();
        (await AdminApi.SendAsync(Idp, support.AccessToken, HttpMethod.Get, "/api/admin/users?q=x")).Status.Should().Be(200);
        await AdminApi.InScopeAsync(Idp, async s =>
        {
            var users = s.GetRequiredService<Microsoft.AspNetCore.Identity.UserManager<IdpUser>>();
            return await users.RemoveFromRoleAsync((await users.FindByIdAsync(support.UserId))!, AdminRoles.Support);
        });

        using var backchannel = Idp.NewBackchannel();
        var (status, tokens) = await Flows.TokenAsync(backchannel, new Dictionary<string, string>
        {
            ["grant_type"] = "refresh_token",
            ["refresh_token"] = support.RefreshToken!,
        }, IdpHost.AdminClientId, IdpHost.AdminSecret);
        status.Should().Be(200, tokens.ToString());
        (await AdminApi.SendAsync(Idp, tokens.GetProperty("access_token").GetString(), HttpMethod.Get, "/api/admin/users?q=x")).Status.Should().Be(403);
    }

    [Fact]
    public async Task OpenApiDocument_DescribesTheAdminApi()
    {
        using var client = Idp.NewBackchannel();
        using var response = await client.GetAsync("/openapi/v1.json");
        response.StatusCode.Should().Be(HttpStatusCode.OK);
        var json = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        var paths = json.GetProperty("paths").EnumerateObject().Select(p => p.Name).ToList();
        paths.Should().Contain(["/api/admin/users", "/api/admin/users/{id}", "/api/admin/users/{id}/authenticator/revoke"]);
        paths.Should().OnlyContain(p => p.StartsWith("/api/admin", StringComparison.Ordinal));

        // Every call needs a bearer token: said once for the whole document.
        var scheme = json.GetProperty("components").GetProperty("securitySchemes").GetProperty("Bearer");
        scheme.GetProperty("type").GetString().Should().Be("http");
        scheme.GetProperty("scheme").GetString().Should().Be("bearer");
        json.GetProperty("security").EnumerateArray().Select(r => r.EnumerateObject().Select(p => p.Name).Single())
            .Should().Equal("Bearer");
    }

    [Fact]
    public async Task GrantRole_ByUsername_AndRefusesUnknownRoleOrUser()
    {
        var pid = Flows.NewPid();
        await fixture.LoggedInBrowserAsync(pid);
        var userId = await AdminApi.UserIdAsync(Idp, pid);
        var userName = await AdminApi.InScopeAsync(Idp, s => s.GetRequiredService<IdpDbContext>().Users.Where(u => u.Id == userId).Select(u => u.UserName!).SingleAsync());

        var results = await AdminApi.InScopeAsync(Idp, async s => new[]
        {
            await GrantRoleCommand.GrantAsync(s, userName, "admin"),
            await GrantRoleCommand.GrantAsync(s, userName, "admin"),
            await GrantRoleCommand.GrantAsync(s, userName, "root"),
            await GrantRoleCommand.GrantAsync(s, "no-such-user", "admin"),
        });

        results.Select(r => r.Ok).Should().Equal(true, true, false, false);
        var roles = await AdminApi.InScopeAsync(Idp, async s =>
        {
            var users = s.GetRequiredService<Microsoft.AspNetCore.Identity.UserManager<IdpUser>>();
            return await users.GetRolesAsync((await users.FindByIdAsync(userId))!);
        });
        roles.Should().Equal("admin");
        (await LastAuditAsync(userId)).Type.Should().Be(AuditEventTypes.RoleGranted);
    }

    private Task<AdminCaller> SupportAsync() => AdminApi.LogInAsync(Idp, AdminRoles.Support);

    private Task<AuditEvent> LastAuditAsync(string userId) => AdminApi.InScopeAsync(Idp, s =>
        s.GetRequiredService<IdpDbContext>().AuditEvents.Where(a => a.UserId == userId).OrderByDescending(a => a.Id).FirstAsync());

    private static IEnumerable<(string Method, string Path)> Endpoints() =>
        UserEndpoints.Select(row => ((string)row[0], (string)row[1]));
}
