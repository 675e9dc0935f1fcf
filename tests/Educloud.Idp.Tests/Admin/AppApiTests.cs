using System.Net.Http.Headers;
using System.Text.Json;
using Educloud.Idp.Connect;
using Educloud.Idp.Data;
using Educloud.Idp.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Educloud.Idp.Tests.Admin;

/// <summary>Research apps through the admin API (admin only): register, update, disable; configuration apps stay in step.</summary>
public sealed class AppApiTests(IdpFixture fixture) : IClassFixture<IdpFixture>
{
    private const string Redirect = IdpHost.AppOrigin + "/api-app/callback";

    private IdpHost Idp => fixture.Idp;

    public static TheoryData<string, string> AppEndpoints => new()
    {
        { "GET", "/api/admin/apps" },
        { "GET", "/api/admin/apps/test-app" },
        { "POST", "/api/admin/apps" },
        { "PUT", "/api/admin/apps/test-app" },
        { "POST", "/api/admin/apps/test-app/disable" },
    };

    [Theory]
    [MemberData(nameof(AppEndpoints))]
    public async Task NoToken401_NoRole403_Support403(string method, string path)
    {
        var body = method == "GET" ? null : new { reason = "x", clientId = "x" };
        (await AdminApi.SendAsync(Idp, null, new HttpMethod(method), path, body)).Status.Should().Be(401);
        var nobody = await AdminApi.LogInAsync(Idp, role: null);
        (await AdminApi.SendAsync(Idp, nobody.AccessToken, new HttpMethod(method), path, body)).Status.Should().Be(403);
        var support = await AdminApi.LogInAsync(Idp, AdminRoles.Support);
        (await AdminApi.SendAsync(Idp, support.AccessToken, new HttpMethod(method), path, body)).Status.Should().Be(403, "support manages users, not apps");
    }

    [Fact]
    public async Task RegisteredApp_CanLogInAtOnce_DisabledOneCannot()
    {
        var admin = await AdminApi.LogInAsync(Idp, AdminRoles.Admin);
        var clientId = "api-app-" + Guid.NewGuid().ToString("N")[..8];
        var (status, app, _) = await AdminApi.SendAsync(Idp, admin.AccessToken, HttpMethod.Post, "/api/admin/apps", new
        {
            clientId,
            displayName = "Registered through the API",
            clientType = "confidential",
            redirectUris = new[] { Redirect },
            postLogoutRedirectUris = new[] { IdpHost.AppOrigin + "/api-app/signed-out" },
            scopes = new[] { "openid", "profile", "offline_access", "pid" },
            consentType = "implicit",
            reason = "new study",
        });
        status.Should().Be(201, app.ToString());
        var secret = app.GetProperty("clientSecret").GetString()!;
        secret.Length.Should().BeGreaterThanOrEqualTo(32);
        app.GetProperty("source").GetString().Should().Be("api");
        app.GetProperty("tokenEndpointAuthMethod").GetString().Should().Be("client_secret_basic");

        // A person logs in to it at once, and gets the pid it is allowed.
        var person = await fixture.LoggedInBrowserAsync();
        var tokens = await CodeFlowAsync(person, clientId, secret, "openid profile offline_access pid");
        tokens.Status.Should().Be(200, tokens.Body.ToString());
        new Microsoft.IdentityModel.JsonWebTokens.JsonWebToken(tokens.Body.GetProperty("id_token").GetString()).Claims.Select(c => c.Type).Should().Contain("pid");

        // The secret in the form body is refused: this app authenticates with client_secret_basic.
        var pkce = Pkce.New();
        await person.GetAsync(Flows.AuthorizeUrl(clientId: clientId, redirectUri: Redirect, scope: "openid", pkce: pkce));
        using var backchannel = Idp.NewBackchannel();
        var (postStatus, postBody) = await Flows.TokenAsync(backchannel, new Dictionary<string, string>
        {
            ["grant_type"] = "authorization_code",
            ["code"] = Flows.RedirectParameters(person)["code"],
            ["code_verifier"] = pkce.Verifier,
            ["redirect_uri"] = Redirect,
            ["client_id"] = clientId,
            ["client_secret"] = secret,
        });
        postStatus.Should().Be(401, postBody.ToString());
        postBody.GetProperty("error").GetString().Should().Be("invalid_client");

        // Disabled: no new login, and the refresh token it holds is dead.
        var (disabled, problem, _) = await AdminApi.SendAsync(Idp, admin.AccessToken, HttpMethod.Post, $"/api/admin/apps/{clientId}/disable", new { reason = "study ended" });
        disabled.Should().Be(204, problem.ToString());
        var page = await person.GetAsync(Flows.AuthorizeUrl(clientId: clientId, redirectUri: Redirect, scope: "openid"));
        (person.LeftTo is null || !Flows.RedirectParameters(person).ContainsKey("code")).Should().BeTrue("a disabled app gets no code: " + page.Body);
        var (refreshStatus, refreshed) = await Flows.TokenAsync(backchannel, new Dictionary<string, string>
        {
            ["grant_type"] = "refresh_token",
            ["refresh_token"] = tokens.Body.GetProperty("refresh_token").GetString()!,
        }, clientId, secret);
        refreshStatus.Should().BeOneOf(400, 401);
        refreshed.GetProperty("error").GetString().Should().BeOneOf("invalid_grant", "unauthorized_client", "invalid_client");

        var (_, shown, _) = await AdminApi.SendAsync(Idp, admin.AccessToken, HttpMethod.Get, $"/api/admin/apps/{clientId}");
        shown.GetProperty("disabled").GetBoolean().Should().BeTrue();

        var audit = await AdminApi.InScopeAsync(Idp, s => s.GetRequiredService<IdpDbContext>().AuditEvents.Where(a => a.ClientId == clientId).OrderBy(a => a.Id).ToListAsync());
        audit.Select(a => a.Type).Should().Equal(AuditEventTypes.AppRegistered, AuditEventTypes.AppDisabled);
        audit[1].Reason.Should().Be("study ended");
        audit[1].Actor.Should().Be(admin.UserId);
        audit[1].ActorRole.Should().Be("admin");
    }

    [Fact]
    public async Task Update_ChangesRedirectUris_AndRotatesTheSecret()
    {
        var admin = await AdminApi.LogInAsync(Idp, AdminRoles.Admin);
        var clientId = "api-app-" + Guid.NewGuid().ToString("N")[..8];
        var (_, app, _) = await AdminApi.SendAsync(Idp, admin.AccessToken, HttpMethod.Post, "/api/admin/apps", new
        {
            clientId, displayName = "To update", redirectUris = new[] { Redirect }, scopes = new[] { "openid" },
        });
        var oldSecret = app.GetProperty("clientSecret").GetString()!;
        var newRedirect = IdpHost.AppOrigin + "/api-app/new-callback";

        var (status, updated, _) = await AdminApi.SendAsync(Idp, admin.AccessToken, HttpMethod.Put, $"/api/admin/apps/{clientId}", new
        {
            displayName = "Updated", redirectUris = new[] { newRedirect }, scopes = new[] { "openid", "profile" }, rotateSecret = true, tokenEndpointAuthMethod = "client_secret_post",
        });
        status.Should().Be(200, updated.ToString());
        var newSecret = updated.GetProperty("clientSecret").GetString()!;
        newSecret.Should().NotBe(oldSecret);
        updated.GetProperty("redirectUris").EnumerateArray().Select(u => u.GetString()).Should().Equal(newRedirect);

        var person = await fixture.LoggedInBrowserAsync();
        var old = await person.GetAsync(Flows.AuthorizeUrl(clientId: clientId, redirectUri: Redirect, scope: "openid"));
        person.LeftTo.Should().BeNull("the old redirect URI is no longer registered: " + old.Body);

        var pkce = Pkce.New();
        await person.GetAsync(Flows.AuthorizeUrl(clientId: clientId, redirectUri: newRedirect, scope: "openid profile", pkce: pkce));
        var code = Flows.RedirectParameters(person)["code"];
        using var backchannel = Idp.NewBackchannel();
        var form = new Dictionary<string, string>
        {
            ["grant_type"] = "authorization_code", ["code"] = code, ["code_verifier"] = pkce.Verifier, ["redirect_uri"] = newRedirect,
            ["client_id"] = clientId, ["client_secret"] = oldSecret,
        };
        (await Flows.TokenAsync(backchannel, form)).Status.Should().Be(401, "the old secret is gone");
        form["client_secret"] = newSecret;
        var (ok, body) = await Flows.TokenAsync(backchannel, form);
        ok.Should().Be(200, body.ToString());
    }

    [Fact]
    public async Task RegisteredAppWithAudience_TokensCarryIt_AnUpdateWithoutItFallsBackToTheClientId()
    {
        var admin = await AdminApi.LogInAsync(Idp, AdminRoles.Admin);
        var clientId = "api-app-" + Guid.NewGuid().ToString("N")[..8];
        var (status, app, _) = await AdminApi.SendAsync(Idp, admin.AccessToken, HttpMethod.Post, "/api/admin/apps", new
        {
            clientId, displayName = "Calls the study API", redirectUris = new[] { Redirect }, scopes = new[] { "openid" }, audience = "study-api",
        });
        status.Should().Be(201, app.ToString());
        app.GetProperty("audience").GetString().Should().Be("study-api");
        var secret = app.GetProperty("clientSecret").GetString()!;

        var person = await fixture.LoggedInBrowserAsync();
        var tokens = await CodeFlowAsync(person, clientId, secret, "openid");
        tokens.Status.Should().Be(200, tokens.Body.ToString());
        new Microsoft.IdentityModel.JsonWebTokens.JsonWebToken(tokens.Body.GetProperty("access_token").GetString()).Audiences.Should().Equal("study-api");

        // PUT replaces the settings: no audience is the default, the app itself.
        var (updatedStatus, updated, _) = await AdminApi.SendAsync(Idp, admin.AccessToken, HttpMethod.Put, $"/api/admin/apps/{clientId}", new
        {
            displayName = "Calls nothing", redirectUris = new[] { Redirect }, scopes = new[] { "openid" },
        });
        updatedStatus.Should().Be(200, updated.ToString());
        updated.GetProperty("audience").GetString().Should().Be(clientId);
        var again = await CodeFlowAsync(person, clientId, secret, "openid");
        new Microsoft.IdentityModel.JsonWebTokens.JsonWebToken(again.Body.GetProperty("access_token").GetString()).Audiences.Should().Equal(clientId);

        var (_, configured, _) = await AdminApi.SendAsync(Idp, admin.AccessToken, HttpMethod.Get, $"/api/admin/apps/{IdpHost.AppClientId}");
        configured.GetProperty("audience").GetString().Should().Be(IdpHost.AppClientId);
    }

    [Fact]
    public async Task ConsoleToken_IsForTheAdminApiOnly_AndTheAdminApiAcceptsIt()
    {
        var admin = await AdminApi.LogInAsync(Idp, AdminRoles.Admin);

        new Microsoft.IdentityModel.JsonWebTokens.JsonWebToken(admin.AccessToken).Audiences.Should().Equal(IdpScopes.AdminApiAudience);
        (await AdminApi.SendAsync(Idp, admin.AccessToken, HttpMethod.Get, "/api/admin/apps")).Status.Should().Be(200);
    }

    [Fact]
    public async Task AResearchAppsToken_IsRefusedByTheAdminApi_WhateverItsAudience()
    {
        var person = await fixture.LoggedInBrowserAsync();
        var pkce = Pkce.New();
        await person.GetAsync(Flows.AuthorizeUrl(pkce: pkce));
        using var backchannel = Idp.NewBackchannel();
        var (_, tokens) = await Flows.RedeemCodeAsync(backchannel, Flows.RedirectParameters(person)["code"], pkce);

        (await AdminApi.SendAsync(Idp, tokens.GetProperty("access_token").GetString(), HttpMethod.Get, "/api/admin/apps")).Status.Should().Be(403);
    }

    [Fact]
    public async Task AppsFromConfiguration_AreListed_ButChangedOnlyInConfiguration()
    {
        var admin = await AdminApi.LogInAsync(Idp, AdminRoles.Admin);
        var (_, list, _) = await AdminApi.SendAsync(Idp, admin.AccessToken, HttpMethod.Get, "/api/admin/apps");
        var testApp = list.EnumerateArray().Single(a => a.GetProperty("clientId").GetString() == IdpHost.AppClientId);
        testApp.GetProperty("source").GetString().Should().Be("configuration");
        list.ToString().Should().NotContain(IdpHost.AppSecret);

        (await AdminApi.SendAsync(Idp, admin.AccessToken, HttpMethod.Put, $"/api/admin/apps/{IdpHost.AppClientId}", new
        {
            redirectUris = new[] { Redirect }, scopes = new[] { "openid" },
        })).Status.Should().Be(409);
        (await AdminApi.SendAsync(Idp, admin.AccessToken, HttpMethod.Post, $"/api/admin/apps/{IdpHost.AppClientId}/disable", new { reason = "x" })).Status.Should().Be(409);
        (await AdminApi.SendAsync(Idp, admin.AccessToken, HttpMethod.Post, "/api/admin/apps", new
        {
            clientId = IdpHost.AppClientId, redirectUris = new[] { Redirect }, scopes = new[] { "openid" },
        })).Status.Should().Be(409);
    }

    public static TheoryData<string> BadRegistrations => new()
    {
        "{}",
        "{\"clientId\": \"has space\", \"redirectUris\": [\"https://app.test/cb\"], \"scopes\": [\"openid\"]}",
        "{\"clientId\": \"ok-id\", \"redirectUris\": [\"http://app.test/cb\"], \"scopes\": [\"openid\"]}",
        "{\"clientId\": \"ok-id\", \"redirectUris\": [\"https://app.test/cb#frag\"], \"scopes\": [\"openid\"]}",
        "{\"clientId\": \"ok-id\", \"redirectUris\": [\"not a uri\"], \"scopes\": [\"openid\"]}",
        "{\"clientId\": \"ok-id\", \"redirectUris\": [\"https://app.test/cb\"], \"scopes\": [\"openid\", \"everything\"]}",
        "{\"clientId\": \"ok-id\", \"redirectUris\": [\"https://app.test/cb\"], \"scopes\": [\"profile\"]}",
        "{\"clientId\": \"ok-id\", \"redirectUris\": [], \"scopes\": [\"openid\"]}",
        "{\"clientId\": \"ok-id\", \"redirectUris\": [\"https://app.test/cb\"], \"scopes\": [\"openid\"], \"clientType\": \"public\", \"tokenEndpointAuthMethod\": \"client_secret_basic\"}",
        "{\"clientId\": \"ok-id\", \"redirectUris\": [\"https://app.test/cb\"], \"scopes\": [\"openid\"], \"clientType\": \"hybrid\"}",
        "{\"clientId\": \"ok-id\", \"redirectUris\": [\"https://app.test/cb\"], \"scopes\": [\"openid\"], \"consentType\": \"explicit\"}",
        "{\"clientId\": \"ok-id\", \"redirectUris\": \"https://app.test/cb\", \"scopes\": [\"openid\"]}",
        "{\"clientId\": \"ok-id\", \"redirectUris\": [null], \"scopes\": [\"openid\"]}",
        "{\"clientId\": \"ok-id\", \"redirectUris\": [\"https://app.test/cb\"], \"scopes\": [\"openid\"], \"audience\": \"has space\"}",
        "{\"clientId\": \"ok-id\", \"redirectUris\": [\"https://app.test/cb\"], \"scopes\": [\"openid\"], \"audience\": \"https://api.example.org/\"}",
        "{\"clientId\": \"ok-id\", \"redirectUris\": [\"https://app.test/cb\"], \"scopes\": [\"openid\"], \"audience\": \"educloud-idp-admin\"}",
        "not json",
    };

    [Theory]
    [MemberData(nameof(BadRegistrations))]
    public async Task BadRegistration_400Problem(string json)
    {
        var admin = await AdminApi.LogInAsync(Idp, AdminRoles.Admin);
        using var client = AdminApi.Client(Idp, admin.AccessToken);
        using var response = await client.PostAsync("/api/admin/apps", new StringContent(json, System.Text.Encoding.UTF8, "application/json"));
        ((int)response.StatusCode).Should().Be(400, await response.Content.ReadAsStringAsync());
        response.Content.Headers.ContentType!.MediaType.Should().Be("application/problem+json");
    }

    [Fact]
    public async Task UnknownApp404_DisableWithoutReason400()
    {
        var admin = await AdminApi.LogInAsync(Idp, AdminRoles.Admin);
        (await AdminApi.SendAsync(Idp, admin.AccessToken, HttpMethod.Get, "/api/admin/apps/no-such-app")).Status.Should().Be(404);
        (await AdminApi.SendAsync(Idp, admin.AccessToken, HttpMethod.Put, "/api/admin/apps/no-such-app", new { scopes = new[] { "openid" } })).Status.Should().Be(404);
        (await AdminApi.SendAsync(Idp, admin.AccessToken, HttpMethod.Post, "/api/admin/apps/no-such-app/disable", new { reason = "x" })).Status.Should().Be(404);
        (await AdminApi.SendAsync(Idp, admin.AccessToken, HttpMethod.Post, "/api/admin/apps/no-such-app/disable", new { })).Status.Should().Be(400);
    }

    private async Task<(int Status, JsonElement Body)> CodeFlowAsync(TestBrowser browser, string clientId, string secret, string scope)
    {
        var pkce = Pkce.New();
        await browser.GetAsync(Flows.AuthorizeUrl(clientId: clientId, redirectUri: Redirect, scope: scope, pkce: pkce));
        using var backchannel = Idp.NewBackchannel();
        return await Flows.RedeemCodeAsync(backchannel, Flows.RedirectParameters(browser)["code"], pkce, clientId, secret, Redirect);
    }
}
