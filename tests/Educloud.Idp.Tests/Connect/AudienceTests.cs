using System.Net.Http.Headers;
using System.Security.Claims;
using System.Text;
using System.Text.Json;
using Educloud.Idp.Connect;
using Educloud.Idp.Tests.Infrastructure;
using Microsoft.IdentityModel.JsonWebTokens;
using OpenIddict.Abstractions;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace Educloud.Idp.Tests.Connect;

/// <summary>
/// Every access token names the API it is for (aud), and only that API or the app it was issued to
/// may introspect it; only that app may revoke it (issue 8, item 3). App B is a second confidential
/// app; test-api is an API registered as a client so that it can introspect.
/// </summary>
public sealed class AudienceTests(AudienceTests.Fixture fixture) : IClassFixture<AudienceTests.Fixture>
{
    public const string AppBClientId = "test-app-b";
    public const string AppBSecret = "DEVELOPMENT-ONLY-test-app-b-secret-0123456789";
    public const string AppBRedirect = IdpHost.AppOrigin + "/b/callback";
    public const string ApiClientId = "test-api";
    public const string ApiSecret = "DEVELOPMENT-ONLY-test-api-secret-0123456789";
    public const string ApiAppClientId = "test-app-for-api";
    public const string ApiAppRedirect = IdpHost.AppOrigin + "/for-api/callback";

    private IdpHost Idp => fixture.Idp;

    [Fact]
    public async Task CodeLogin_AccessTokenAudience_IsTheClientIdByDefault()
    {
        var tokens = await fixture.CodeFlowAsync(IdpHost.AppClientId, IdpHost.AppSecret, IdpHost.AppOrigin + "/signin-oidc");

        var access = new JsonWebToken(tokens.GetProperty("access_token").GetString());
        access.Audiences.Should().Equal(IdpHost.AppClientId);
        // What an API checks besides aud (README): the type, issuer, expiry and an asymmetric algorithm.
        access.Typ.Should().Be("at+jwt");
        access.Issuer.Should().Be(IdpHost.Origin + "/");
        access.ValidTo.Should().BeAfter(DateTime.UtcNow);
        access.Alg.Should().BeOneOf("RS256", "ES256");
    }

    [Fact]
    public async Task CodeLogin_AccessTokenAudience_IsTheConfiguredApi_AlsoAfterRefresh()
    {
        var tokens = await fixture.CodeFlowAsync(ApiAppClientId, IdpHost.AppSecret, ApiAppRedirect, "openid profile offline_access");
        new JsonWebToken(tokens.GetProperty("access_token").GetString()).Audiences.Should().Equal(ApiClientId);

        using var backchannel = Idp.NewBackchannel();
        var (status, refreshed) = await Flows.TokenAsync(backchannel, new Dictionary<string, string>
        {
            ["grant_type"] = "refresh_token",
            ["refresh_token"] = tokens.GetProperty("refresh_token").GetString()!,
        }, ApiAppClientId, IdpHost.AppSecret);
        status.Should().Be(200, refreshed.ToString());
        new JsonWebToken(refreshed.GetProperty("access_token").GetString()).Audiences.Should().Equal(ApiClientId);
        // The id_token is still for the app itself (OIDC Core 2).
        new JsonWebToken(refreshed.GetProperty("id_token").GetString()).Audiences.Should().Equal(ApiAppClientId);
    }

    [Fact]
    public async Task ClientCredentials_AccessToken_HasTheMachineClientAsAudience()
    {
        using var backchannel = Idp.NewBackchannel();
        var (status, tokens) = await Flows.TokenAsync(backchannel, new Dictionary<string, string> { ["grant_type"] = "client_credentials" },
            IdpHost.MachineClientId, IdpHost.MachineSecret);

        status.Should().Be(200, tokens.ToString());
        new JsonWebToken(tokens.GetProperty("access_token").GetString()).Audiences.Should().Equal(IdpHost.MachineClientId);
    }

    [Fact]
    public async Task AnotherApp_IntrospectingAnAppsToken_GetsActiveFalseAndNothingElse()
    {
        var tokens = await fixture.CodeFlowAsync(IdpHost.AppClientId, IdpHost.AppSecret, IdpHost.AppOrigin + "/signin-oidc");
        var access = tokens.GetProperty("access_token").GetString()!;

        ShouldBeInactive(await IntrospectAsync(AppBClientId, AppBSecret, access));
        ShouldBeInactive(await IntrospectAsync(AppBClientId, AppBSecret, tokens.GetProperty("refresh_token").GetString()!));
    }

    [Fact]
    public async Task OwnerAndAudience_IntrospectingTheToken_GetActiveTrue_OthersDoNot()
    {
        var tokens = await fixture.CodeFlowAsync(ApiAppClientId, IdpHost.AppSecret, ApiAppRedirect, "openid profile offline_access");
        var access = tokens.GetProperty("access_token").GetString()!;

        var byOwner = await IntrospectAsync(ApiAppClientId, IdpHost.AppSecret, access);
        byOwner.GetProperty("active").GetBoolean().Should().BeTrue(byOwner.ToString());
        byOwner.GetProperty("client_id").GetString().Should().Be(ApiAppClientId);

        var byApi = await IntrospectAsync(ApiClientId, ApiSecret, access);
        byApi.GetProperty("active").GetBoolean().Should().BeTrue(byApi.ToString());
        byApi.GetProperty("aud").ToString().Should().Contain(ApiClientId);

        ShouldBeInactive(await IntrospectAsync(AppBClientId, AppBSecret, access));
        ShouldBeInactive(await IntrospectAsync(IdpHost.AppClientId, IdpHost.AppSecret, access));
        // A refresh token is the app's alone: the API does not see it.
        ShouldBeInactive(await IntrospectAsync(ApiClientId, ApiSecret, tokens.GetProperty("refresh_token").GetString()!));
    }

    [Fact]
    public async Task AnotherAppOrTheApi_RevokingAnAppsToken_LeavesItWorking_TheOwnerEndsIt()
    {
        var tokens = await fixture.CodeFlowAsync(ApiAppClientId, IdpHost.AppSecret, ApiAppRedirect, "openid profile offline_access");
        var access = tokens.GetProperty("access_token").GetString()!;
        var refresh = tokens.GetProperty("refresh_token").GetString()!;

        // RFC 7009 2.1: only the client the token was issued to may revoke it; the others get the
        // answer for an unknown token (200) and change nothing. The API (its audience) included.
        (await RevokeAsync(AppBClientId, AppBSecret, access)).Should().Be(200);
        (await RevokeAsync(AppBClientId, AppBSecret, refresh)).Should().Be(200);
        (await RevokeAsync(ApiClientId, ApiSecret, access)).Should().Be(200);

        (await IntrospectAsync(ApiAppClientId, IdpHost.AppSecret, access)).GetProperty("active").GetBoolean().Should().BeTrue();
        (await IntrospectAsync(ApiAppClientId, IdpHost.AppSecret, refresh)).GetProperty("active").GetBoolean().Should().BeTrue();
        using (var userinfo = await UserInfoAsync(access))
        {
            ((int)userinfo.StatusCode).Should().Be(200, "the token still works where it is used");
        }

        (await RevokeAsync(ApiAppClientId, IdpHost.AppSecret, access)).Should().Be(200);
        ShouldBeInactive(await IntrospectAsync(ApiAppClientId, IdpHost.AppSecret, access));
    }

    [Fact]
    public async Task AnotherApp_RevokingTheDefaultAudienceToken_LeavesItWorking()
    {
        var tokens = await fixture.CodeFlowAsync(IdpHost.AppClientId, IdpHost.AppSecret, IdpHost.AppOrigin + "/signin-oidc");
        var access = tokens.GetProperty("access_token").GetString()!;

        (await RevokeAsync(AppBClientId, AppBSecret, access)).Should().Be(200);

        (await IntrospectAsync(IdpHost.AppClientId, IdpHost.AppSecret, access)).GetProperty("active").GetBoolean().Should().BeTrue();
    }

    [Fact]
    public void TokenWithoutAudienceOrPresenter_IsNobodysToIntrospectOrRevoke()
    {
        // OpenIddict's own check is skipped for such tokens (issued before every token had an
        // audience): this rule does not skip it.
        var bare = Principal(audience: null, presenter: null);
        TokenCallerRule.MayIntrospect(bare, AppBClientId).Should().BeFalse();
        TokenCallerRule.MayRevoke(bare, AppBClientId).Should().BeFalse();

        var owned = Principal(audience: null, presenter: IdpHost.AppClientId);
        TokenCallerRule.MayIntrospect(owned, IdpHost.AppClientId).Should().BeTrue();
        TokenCallerRule.MayIntrospect(owned, AppBClientId).Should().BeFalse();
        TokenCallerRule.MayRevoke(owned, IdpHost.AppClientId).Should().BeTrue();

        var forApi = Principal(audience: ApiClientId, presenter: IdpHost.AppClientId);
        TokenCallerRule.MayIntrospect(forApi, ApiClientId).Should().BeTrue();
        TokenCallerRule.MayRevoke(forApi, ApiClientId).Should().BeFalse();
        TokenCallerRule.MayIntrospect(forApi, null).Should().BeFalse();
    }

    /// <summary>RFC 7662 2.2: a token the caller may not see is just inactive; nothing of it is revealed.</summary>
    private static void ShouldBeInactive(JsonElement answer)
    {
        answer.EnumerateObject().Select(p => p.Name).Should().Equal(["active"], answer.ToString());
        answer.GetProperty("active").GetBoolean().Should().BeFalse();
    }

    private static ClaimsPrincipal Principal(string? audience, string? presenter)
    {
        var identity = new ClaimsIdentity("test");
        identity.SetTokenType(TokenTypeIdentifiers.AccessToken);
        if (audience is not null)
        {
            identity.SetAudiences(audience);
        }

        if (presenter is not null)
        {
            identity.SetPresenters(presenter);
        }

        return new ClaimsPrincipal(identity);
    }

    private async Task<JsonElement> IntrospectAsync(string clientId, string secret, string token)
    {
        using var backchannel = Idp.NewBackchannel();
        using var response = await backchannel.SendAsync(Basic(HttpMethod.Post, "/connect/introspect", clientId, secret, token));
        var text = await response.Content.ReadAsStringAsync();
        ((int)response.StatusCode).Should().Be(200, text);
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    private async Task<int> RevokeAsync(string clientId, string secret, string token)
    {
        using var backchannel = Idp.NewBackchannel();
        using var response = await backchannel.SendAsync(Basic(HttpMethod.Post, "/connect/revoke", clientId, secret, token));
        return (int)response.StatusCode;
    }

    private async Task<HttpResponseMessage> UserInfoAsync(string accessToken)
    {
        using var backchannel = Idp.NewBackchannel();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/connect/userinfo");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        return await backchannel.SendAsync(request);
    }

    private static HttpRequestMessage Basic(HttpMethod method, string path, string clientId, string secret, string token) => new(method, path)
    {
        Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["token"] = token }),
        Headers =
        {
            Authorization = new AuthenticationHeaderValue("Basic",
                Convert.ToBase64String(Encoding.UTF8.GetBytes(Uri.EscapeDataString(clientId) + ":" + Uri.EscapeDataString(secret)))),
        },
    };

    /// <summary>The IdP with app B, an API registered as a client, and an app whose tokens are for that API.</summary>
    public sealed class Fixture : IAsyncLifetime
    {
        public IdpHost Idp { get; } = new(new Dictionary<string, string?>
        {
            ["Clients:5:ClientId"] = AppBClientId,
            ["Clients:5:DisplayName"] = "Test research app B",
            ["Clients:5:ClientSecret"] = AppBSecret,
            ["Clients:5:RedirectUris:0"] = AppBRedirect,
            ["Clients:5:Scopes:0"] = "openid",
            ["Clients:6:ClientId"] = ApiClientId,
            ["Clients:6:DisplayName"] = "Test API (introspects)",
            ["Clients:6:ClientSecret"] = ApiSecret,
            ["Clients:7:ClientId"] = ApiAppClientId,
            ["Clients:7:DisplayName"] = "Test app calling test-api",
            ["Clients:7:ClientSecret"] = IdpHost.AppSecret,
            ["Clients:7:RedirectUris:0"] = ApiAppRedirect,
            ["Clients:7:Scopes:0"] = "openid",
            ["Clients:7:Scopes:1"] = "profile",
            ["Clients:7:Scopes:2"] = "offline_access",
            ["Clients:7:Audience"] = ApiClientId,
        });

        public Task InitializeAsync()
        {
            _ = Idp.Server;
            return Task.CompletedTask;
        }

        public Task DisposeAsync()
        {
            Idp.Dispose();
            return Task.CompletedTask;
        }

        /// <summary>A new person logs in to the app; the app redeems the code (the token response).</summary>
        public async Task<JsonElement> CodeFlowAsync(string clientId, string secret, string redirectUri, string scope = "openid profile offline_access")
        {
            var pid = Flows.NewPid();
            var browser = Idp.NewBrowser();
            var page = await Flows.LogInAtIdPortenAsync(browser, await browser.GetAsync(IdpHost.Origin + "/account/login"), pid);
            page.Address.AbsolutePath.Should().Be("/", page.Body);
            var pkce = Pkce.New();
            await browser.GetAsync(Flows.AuthorizeUrl(clientId: clientId, redirectUri: redirectUri, scope: scope, pkce: pkce));
            using var backchannel = Idp.NewBackchannel();
            var (status, tokens) = await Flows.RedeemCodeAsync(backchannel, Flows.RedirectParameters(browser)["code"], pkce, clientId, secret, redirectUri);
            status.Should().Be(200, tokens.ToString());
            return tokens;
        }
    }
}
