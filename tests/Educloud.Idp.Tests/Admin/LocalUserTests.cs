using System.Net;
using System.Text.Json;
using Educloud.Idp.Connect;
using Educloud.Idp.Data;
using Educloud.Idp.LocalAccounts;
using Educloud.Idp.Tests.Infrastructure;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Microsoft.IdentityModel.JsonWebTokens;

namespace Educloud.Idp.Tests.Admin;

/// <summary>People without ID-porten (issue 4, point 5): created by support, enrolled with a code, logging in with password + TOTP.</summary>
public sealed class LocalUserTests(IdpFixture fixture) : IClassFixture<IdpFixture>
{
    private const string Password = "correct horse battery staple";

    private IdpHost Idp => fixture.Idp;

    [Fact]
    public async Task CreateIssueEnroll_ThenLogInToAnApp_WithPasswordAndCode()
    {
        var support = await AdminApi.LogInAsync(Idp, AdminRoles.Support);
        var userName = NewUserName();
        var (created, user, _) = await AdminApi.SendAsync(Idp, support.AccessToken, HttpMethod.Post, "/api/admin/users",
            new { userName, displayName = "Kari Nordmann", email = "kari@example.org", reason = "external researcher, no ID-porten" });
        created.Should().Be(201, user.ToString());
        var userId = user.GetProperty("id").GetString()!;
        user.GetProperty("fromIdPorten").GetBoolean().Should().BeFalse();

        var (issued, code, _) = await AdminApi.SendAsync(Idp, support.AccessToken, HttpMethod.Post, $"/api/admin/users/{userId}/enrollment-codes", new { reason = "first setup" });
        issued.Should().Be(201, code.ToString());
        var enrollmentCode = code.GetProperty("code").GetString()!;
        enrollmentCode.Length.Should().BeGreaterThanOrEqualTo(32);

        // Stored hashed only.
        var stored = await AdminApi.InScopeAsync(Idp, s => s.GetRequiredService<IdpDbContext>().EnrollmentCodes.SingleAsync(c => c.UserId == userId));
        stored.CodeHash.Should().NotContain(enrollmentCode.Replace("-", "", StringComparison.Ordinal));

        var browser = Idp.NewBrowser();
        var enrolled = await EnrollWithCodeAsync(browser, userName, enrollmentCode.ToLowerInvariant());
        enrolled.Address.AbsolutePath.Should().Be("/", enrolled.Body);

        // Now a fresh browser logs in to an app: username + password, then the code.
        await using var app = await RelyingParty.StartAsync(Idp);
        var fresh = Idp.NewBrowser(app);
        var login = await fresh.GetAsync(IdpHost.AppOrigin + "/protected");
        login.Address.AbsolutePath.Should().Be("/account/login");
        var codePage = await fresh.SubmitAsync(login, "form#password-login", new Dictionary<string, string> { ["username"] = userName, ["password"] = Password });
        codePage.Address.AbsolutePath.Should().Be("/account/code", codePage.Body);
        var result = await Flows.AnswerSecondFactorAsync(fresh, codePage, userName);
        result.Status.Should().Be(HttpStatusCode.OK, result.Body);
        result.Address.AbsoluteUri.Should().Be(IdpHost.AppOrigin + "/protected");
        var idToken = new JsonWebToken(JsonDocument.Parse(result.Body).RootElement.GetProperty("id_token").GetString());
        idToken.Subject.Should().Be(userId);
        idToken.GetPayloadValue<string[]>("amr").Should().BeEquivalentTo(["pwd", "otp", "mfa"]);
        idToken.GetPayloadValue<string>("acr").Should().Be(LocalAccountExtensions.Acr);

        // The code cannot be used twice.
        var again = await EnrollWithCodeAsync(Idp.NewBrowser(), userName, enrollmentCode);
        again.Address.AbsolutePath.Should().Be("/account/enroll-with-code");
        again.Status.Should().Be(HttpStatusCode.BadRequest);
        again.Body.Should().Contain("did not work");

        var audit = await AdminApi.InScopeAsync(Idp, s => s.GetRequiredService<IdpDbContext>().AuditEvents.Where(a => a.UserId == userId).Select(a => a.Type).ToListAsync());
        audit.Should().ContainInOrder(AuditEventTypes.LocalUserCreated, AuditEventTypes.EnrollmentCodeIssued, AuditEventTypes.EnrollmentCodeUsed);
    }

    [Fact]
    public async Task WrongPassword_OrUnknownUser_OrMissingCode_NeverGivesASession()
    {
        var (userName, _) = await EnrolledLocalUserAsync();
        var browser = Idp.NewBrowser();
        foreach (var (user, password) in new[] { (userName, "wrong password 123"), ("no-such-user", Password), (userName, "") })
        {
            var page = await browser.GetAsync(Flows.AuthorizeUrl());
            var result = await browser.SubmitAsync(page, "form#password-login", new Dictionary<string, string> { ["username"] = user, ["password"] = password });
            result.Status.Should().Be(HttpStatusCode.BadRequest);
            result.Body.Should().Contain("The username or password is wrong");
            browser.Cookies.GetAllCookies().Select(c => c.Name).Should().NotContain(["__Host-educloud-login"]);
        }

        // A correct password but no code: the code page, and nothing more.
        var login = await browser.GetAsync(Flows.AuthorizeUrl());
        var codePage = await browser.SubmitAsync(login, "form#password-login", new Dictionary<string, string> { ["username"] = userName, ["password"] = Password });
        codePage.Address.AbsolutePath.Should().Be("/account/code");
        var wrong = await browser.SubmitAsync(codePage, "form[method=post]", new Dictionary<string, string> { ["code"] = "000000" });
        wrong.Status.Should().Be(HttpStatusCode.BadRequest);
        var authorize = await browser.GetAsync(Flows.AuthorizeUrl());
        authorize.Address.AbsolutePath.Should().Be("/account/login", "no session without the second factor");
        (await browser.GetAsync(IdpHost.Origin + "/account/enroll")).Address.AbsolutePath.Should().Be("/account/new-code", "a password never unlocks enrollment");
    }

    [Fact]
    public async Task PasswordWithoutAuthenticator_NeverLeadsToEnrollment()
    {
        // The person set a password with the code but never confirmed the authenticator.
        var userName = NewUserName();
        var code = await CreateWithCodeAsync(Idp, userName);
        var browser = Idp.NewBrowser();
        var enroll = await EnrollWithCodeAsync(browser, userName, code, answerAuthenticator: false);
        enroll.Address.AbsolutePath.Should().Be("/account/enroll");

        var other = Idp.NewBrowser();
        var login = await other.GetAsync(IdpHost.Origin + "/account/login");
        var result = await other.SubmitAsync(login, "form#password-login", new Dictionary<string, string> { ["username"] = userName, ["password"] = Password });
        result.Status.Should().Be(HttpStatusCode.BadRequest);
        (await other.GetAsync(IdpHost.Origin + "/account/enroll")).Address.AbsolutePath.Should().Be("/account/new-code");
    }

    [Fact]
    public async Task RepeatedWrongPasswords_MakeThatAddressWait_NotLockTheAccount()
    {
        var (userName, _) = await EnrolledLocalUserAsync();
        var browser = Idp.NewBrowser();
        for (var i = 0; i < 5; i++)
        {
            var page = await browser.GetAsync(IdpHost.Origin + "/account/login");
            (await browser.SubmitAsync(page, "form#password-login", new Dictionary<string, string> { ["username"] = userName, ["password"] = "wrong password " + i }))
                .Status.Should().Be(HttpStatusCode.BadRequest);
        }

        var login = await browser.GetAsync(IdpHost.Origin + "/account/login");
        var waiting = await browser.SubmitAsync(login, "form#password-login", new Dictionary<string, string> { ["username"] = userName, ["password"] = Password });
        waiting.Status.Should().Be(HttpStatusCode.TooManyRequests, "this address waits: even the right password is not checked for now");
        waiting.Body.Should().Contain("Too many wrong passwords");
        var user = await AdminApi.InScopeAsync(Idp, s => s.GetRequiredService<IdpDbContext>().Users.SingleAsync(u => u.UserName == userName));
        user.LockoutEnd.Should().BeNull("no lockout that anyone knowing the username could trigger");
    }

    [Fact]
    public async Task PasswordPosts_AreRateLimitedPerIp_PageViewsAreNot()
    {
        using var idp = new IdpHost(new Dictionary<string, string?> { ["Totp:SubmissionsPerIpPerMinute"] = "3" });
        var browser = idp.NewBrowser();
        for (var i = 0; i < 6; i++)
        {
            (await browser.GetAsync(IdpHost.Origin + "/account/login")).Status.Should().Be(HttpStatusCode.OK);
        }

        var page = await browser.GetAsync(IdpHost.Origin + "/account/login");
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 4; i++)
        {
            statuses.Add((await browser.SubmitAsync(page, "form#password-login", new Dictionary<string, string> { ["username"] = "someone", ["password"] = "guess number " + i })).Status);
        }

        statuses.Should().Equal(HttpStatusCode.BadRequest, HttpStatusCode.BadRequest, HttpStatusCode.BadRequest, HttpStatusCode.TooManyRequests);
    }

    [Fact]
    public async Task ExpiredCode_IsRefused()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        using var idp = new IdpHost(time: time);
        var userName = NewUserName();
        var code = await CreateWithCodeAsync(idp, userName);
        var stillValid = NewUserName();
        var stillValidCode = await CreateWithCodeAsync(idp, stillValid);

        time.Advance(TimeSpan.FromHours(72) - TimeSpan.FromSeconds(1));
        (await EnrollWithCodeAsync(idp.NewBrowser(), stillValid, stillValidCode, answerAuthenticator: false))
            .Address.AbsolutePath.Should().Be("/account/enroll", "the code works until it expires");
        time.Advance(TimeSpan.FromSeconds(2));

        var page = await EnrollWithCodeAsync(idp.NewBrowser(), userName, code, answerAuthenticator: false);

        page.Address.AbsolutePath.Should().Be("/account/enroll-with-code");
        page.Status.Should().Be(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task WeakPassword_IsRefused_AndTheCodeStaysUsable()
    {
        var userName = NewUserName();
        var code = await CreateWithCodeAsync(Idp, userName);
        var browser = Idp.NewBrowser();
        var form = await browser.GetAsync(IdpHost.Origin + "/account/enroll-with-code");
        var weak = await browser.SubmitAsync(form, "form[method=post]", new Dictionary<string, string>
        {
            ["username"] = userName, ["code"] = code, ["password"] = "short", ["confirm"] = "short",
        });
        weak.Status.Should().Be(HttpStatusCode.BadRequest);
        weak.Body.Should().Contain("Choose another password");

        var good = await EnrollWithCodeAsync(browser, userName, code);
        good.Address.AbsolutePath.Should().Be("/", good.Body);
    }

    [Fact]
    public async Task LostPhone_SupportRevokesAndIssuesANewCode_PersonEnrollsAgain()
    {
        var (userName, userId) = await EnrolledLocalUserAsync();
        var support = await AdminApi.LogInAsync(Idp, AdminRoles.Support);
        (await AdminApi.SendAsync(Idp, support.AccessToken, HttpMethod.Post, $"/api/admin/users/{userId}/authenticator/revoke", new { reason = "lost phone" })).Status.Should().Be(204);
        var (_, issued, _) = await AdminApi.SendAsync(Idp, support.AccessToken, HttpMethod.Post, $"/api/admin/users/{userId}/enrollment-codes", new { reason = "lost phone" });

        var browser = Idp.NewBrowser();
        var result = await EnrollWithCodeAsync(browser, userName, issued.GetProperty("code").GetString()!);
        result.Address.AbsolutePath.Should().Be("/", result.Body);
    }

    [Theory]
    [InlineData("{}", 400)]
    [InlineData("{\"userName\": \"ab\"}", 400)]
    [InlineData("{\"userName\": \"Has Spaces\"}", 400)]
    [InlineData("{\"userName\": \"idporten-12345678\"}", 400)]
    [InlineData("{\"userName\": \"valid.name\", \"email\": \"not-an-email\"}", 400)]
    [InlineData("{\"userName\": 5}", 400)]
    public async Task CreateUser_BadInput_400Problem(string json, int expected)
    {
        var support = await AdminApi.LogInAsync(Idp, AdminRoles.Support);
        using var client = AdminApi.Client(Idp, support.AccessToken);
        using var response = await client.PostAsync("/api/admin/users", new StringContent(json, System.Text.Encoding.UTF8, "application/json"));
        ((int)response.StatusCode).Should().Be(expected, await response.Content.ReadAsStringAsync());
        response.Content.Headers.ContentType!.MediaType.Should().Be("application/problem+json");
    }

    [Fact]
    public async Task CreateUser_Duplicate409_CodeForUnknown404_CodeForIdPortenUser400_NoToken401_NoRole403()
    {
        var support = await AdminApi.LogInAsync(Idp, AdminRoles.Support);
        var userName = NewUserName();
        (await AdminApi.SendAsync(Idp, support.AccessToken, HttpMethod.Post, "/api/admin/users", new { userName })).Status.Should().Be(201);
        (await AdminApi.SendAsync(Idp, support.AccessToken, HttpMethod.Post, "/api/admin/users", new { userName = userName.ToUpperInvariant() })).Status.Should().Be(409);
        (await AdminApi.SendAsync(Idp, support.AccessToken, HttpMethod.Post, "/api/admin/users/no-such-user/enrollment-codes", new { })).Status.Should().Be(404);
        var idPortenUser = await AdminApi.LogInAsync(Idp, role: null);
        (await AdminApi.SendAsync(Idp, support.AccessToken, HttpMethod.Post, $"/api/admin/users/{idPortenUser.UserId}/enrollment-codes", new { })).Status.Should().Be(400);
        (await AdminApi.SendAsync(Idp, support.AccessToken, HttpMethod.Post, $"/api/admin/users/{support.UserId}/enrollment-codes", new { })).Status.Should().Be(403, "support may not change a person with a role, themselves included");

        (await AdminApi.SendAsync(Idp, null, HttpMethod.Post, "/api/admin/users", new { userName = NewUserName() })).Status.Should().Be(401);
        (await AdminApi.SendAsync(Idp, null, HttpMethod.Post, $"/api/admin/users/{support.UserId}/enrollment-codes", new { })).Status.Should().Be(401);
        var nobody = await AdminApi.LogInAsync(Idp, role: null);
        (await AdminApi.SendAsync(Idp, nobody.AccessToken, HttpMethod.Post, "/api/admin/users", new { userName = NewUserName() })).Status.Should().Be(403);
        (await AdminApi.SendAsync(Idp, nobody.AccessToken, HttpMethod.Post, $"/api/admin/users/{support.UserId}/enrollment-codes", new { })).Status.Should().Be(403);
    }

    private static string NewUserName() => "local-" + Guid.NewGuid().ToString("N")[..10];

    private async Task<(string UserName, string UserId)> EnrolledLocalUserAsync()
    {
        var userName = NewUserName();
        var code = await CreateWithCodeAsync(Idp, userName);
        var done = await EnrollWithCodeAsync(Idp.NewBrowser(), userName, code);
        done.Address.AbsolutePath.Should().Be("/", done.Body);
        var userId = await AdminApi.InScopeAsync(Idp, s => s.GetRequiredService<IdpDbContext>().Users.Where(u => u.UserName == userName).Select(u => u.Id).SingleAsync());
        return (userName, userId);
    }

    /// <summary>Creates a local user and an enrollment code directly (what the API does, without a support login).</summary>
    private static Task<string> CreateWithCodeAsync(IdpHost idp, string userName) => AdminApi.InScopeAsync(idp, async s =>
    {
        var user = new IdpUser { Id = Guid.NewGuid().ToString(), UserName = userName, CreatedAt = idp.Clock.GetUtcNow() };
        (await s.GetRequiredService<UserManager<IdpUser>>().CreateAsync(user)).Succeeded.Should().BeTrue();
        var issued = await s.GetRequiredService<EnrollmentCodes>().IssueAsync(user.Id, "test", CancellationToken.None);
        await s.GetRequiredService<IdpDbContext>().SaveChangesAsync();
        return issued.Code;
    });

    private static async Task<BrowserPage> EnrollWithCodeAsync(TestBrowser browser, string userName, string code, bool answerAuthenticator = true)
    {
        var form = await browser.GetAsync(IdpHost.Origin + "/account/enroll-with-code");
        var next = await browser.SubmitAsync(form, "form[method=post]", new Dictionary<string, string>
        {
            ["username"] = userName, ["code"] = code, ["password"] = Password, ["confirm"] = Password,
        });
        return answerAuthenticator ? await Flows.AnswerSecondFactorAsync(browser, next, userName) : next;
    }
}
