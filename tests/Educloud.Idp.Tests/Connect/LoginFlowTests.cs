using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Educloud.Idp.Data;
using Educloud.Idp.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using OpenIddict.Abstractions;
using OpenIddict.EntityFrameworkCore.Models;

namespace Educloud.Idp.Tests.Connect;

/// <summary>
/// The spine of the product, end to end in-process: app → IdP → ID-porten (simulator) → IdP → app.
/// On both databases (the nested classes).
/// </summary>
public abstract class LoginFlowTests(IdpFixture fixture)
{
    private IdpHost Idp => fixture.Idp;

    public sealed class OnSqlite(IdpFixture fixture) : LoginFlowTests(fixture), IClassFixture<IdpFixture>;

    public sealed class OnPostgreSql(PostgreSqlIdpFixture fixture) : LoginFlowTests(fixture), IClassFixture<PostgreSqlIdpFixture>;

    [Fact]
    public async Task AppLogin_ThroughIdPorten_GivesVerifiableTokensAndUserInfo()
    {
        await using var app = await RelyingParty.StartAsync(Idp);
        var browser = Idp.NewBrowser(app);

        var login = await browser.GetAsync(IdpHost.AppOrigin + "/protected");
        var result = await Flows.LogInAtIdPortenAsync(browser, login, pid: "02829012345");

        result.Status.Should().Be(HttpStatusCode.OK, result.Body);
        result.Address.AbsoluteUri.Should().Be(IdpHost.AppOrigin + "/protected");
        var json = JsonDocument.Parse(result.Body).RootElement;
        var idToken = json.GetProperty("id_token").GetString()!;
        var accessToken = json.GetProperty("access_token").GetString()!;
        json.GetProperty("refresh_token").GetString().Should().NotBeNullOrEmpty();

        var keys = await JwksAsync();
        var validated = await new JsonWebTokenHandler().ValidateTokenAsync(idToken, new TokenValidationParameters
        {
            ValidIssuer = IdpHost.Origin + "/",
            ValidAudience = IdpHost.AppClientId,
            IssuerSigningKeys = keys,
        });
        validated.IsValid.Should().BeTrue(validated.Exception?.ToString());
        var claims = validated.Claims;
        claims["sub"].Should().NotBe("02829012345", "apps get a stable internal id, never the pid");
        Guid.TryParse((string)claims["sub"], out _).Should().BeTrue();
        claims.Should().ContainKey("name");
        claims.Should().ContainKey("auth_time");
        claims["acr"].Should().Be(Flows.Substantial);
        claims.Should().ContainKey("amr");
        claims.Should().NotContainKey("pid", "this app is not allowed the pid scope");

        // Access tokens are JWTs a resource server validates from the JWKS alone.
        var access = await new JsonWebTokenHandler().ValidateTokenAsync(accessToken, new TokenValidationParameters
        {
            ValidIssuer = IdpHost.Origin + "/",
            ValidateAudience = false,
            IssuerSigningKeys = keys,
        });
        access.IsValid.Should().BeTrue(access.Exception?.ToString());

        using var backchannel = Idp.NewBackchannel();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/connect/userinfo");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        using var userinfo = await backchannel.SendAsync(request);
        userinfo.StatusCode.Should().Be(HttpStatusCode.OK);
        var info = JsonDocument.Parse(await userinfo.Content.ReadAsStringAsync()).RootElement;
        info.GetProperty("sub").GetString().Should().Be((string)claims["sub"]);
    }

    [Fact]
    public async Task SecondLogin_WithIdpSession_DoesNotAskIdPortenAgain()
    {
        var browser = await fixture.LoggedInBrowserAsync();

        var page = await browser.GetAsync(Flows.AuthorizeUrl());

        page.Address.AbsolutePath.Should().Be("/connect/authorize", "no login page and no ID-porten on the way");
        Flows.RedirectParameters(browser).Should().ContainKey("code");
    }

    [Fact]
    public async Task RefreshToken_Rotates_AndReuseRevokesTheNewOne()
    {
        var (_, tokens) = await fixture.LogInWithCodeAsync();
        using var backchannel = Idp.NewBackchannel();
        var first = tokens.GetProperty("refresh_token").GetString()!;

        var (status, rotated) = await Flows.RefreshAsync(backchannel, first);
        status.Should().Be(200, rotated.ToString());
        var second = rotated.GetProperty("refresh_token").GetString()!;
        second.Should().NotBe(first);

        var (reuseStatus, reuse) = await Flows.RefreshAsync(backchannel, first);
        reuseStatus.Should().Be(400);
        reuse.GetProperty("error").GetString().Should().Be("invalid_grant");

        var (afterStatus, after) = await Flows.RefreshAsync(backchannel, second);
        afterStatus.Should().Be(400, "reusing a refresh token revokes its whole family (RFC 9700 4.14.2)");
        after.GetProperty("error").GetString().Should().Be("invalid_grant");
    }

    [Fact]
    public async Task OneRefreshTokenRedeemedInParallel_ExactlyOneSucceeds_AndReuseRevokesTheFamily()
    {
        var (_, tokens) = await fixture.LogInWithCodeAsync();
        var first = tokens.GetProperty("refresh_token").GetString()!;

        // One conditional UPDATE of the token's row decides (TokenRedemption): one request
        // wins, the others are refused, and they are a reuse: the family is revoked, also the
        // tokens the winner was issuing at that moment.
        var results = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => Task.Run(async () =>
        {
            using var backchannel = Idp.NewBackchannel();
            return await Flows.RefreshAsync(backchannel, first);
        })));

        var winners = results.Where(r => r.Status == 200).ToList();
        winners.Should().ContainSingle(string.Join("\n", results.Select(r => r.Status + " " + (r.Status == 200 ? "ok" : r.Body.ToString()))));
        results.Where(r => r.Status != 200).Should().OnlyContain(r => r.Status == 400 && r.Body.GetProperty("error").GetString() == "invalid_grant");
        using var client = Idp.NewBackchannel();
        var (afterStatus, _) = await Flows.RefreshAsync(client, winners[0].Body.GetProperty("refresh_token").GetString()!);
        afterStatus.Should().Be(400, "reusing a refresh token revokes its whole family (RFC 9700 4.14.2)");
        (await Flows.RefreshAsync(client, first)).Status.Should().Be(400);
    }

    [Fact]
    public async Task OneCodeRedeemedInParallel_ExactlyOneSucceeds_AndTheLosersRevokeWhatItIssued()
    {
        var browser = await fixture.LoggedInBrowserAsync();
        var pkce = Pkce.New();
        await browser.GetAsync(Flows.AuthorizeUrl(pkce: pkce));
        var code = Flows.RedirectParameters(browser)["code"];

        // RFC 6749 4.1.2: a code used more than once is refused, and what it gave is revoked.
        var results = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => Task.Run(async () =>
        {
            using var backchannel = Idp.NewBackchannel();
            return await Flows.RedeemCodeAsync(backchannel, code, pkce);
        })));

        var winners = results.Where(r => r.Status == 200).ToList();
        winners.Should().ContainSingle(string.Join("\n", results.Select(r => r.Status + " " + (r.Status == 200 ? "ok" : r.Body.ToString()))));
        results.Where(r => r.Status != 200).Should().OnlyContain(r => r.Status == 400 && r.Body.GetProperty("error").GetString() == "invalid_grant");
        using var client = Idp.NewBackchannel();
        (await Flows.RefreshAsync(client, winners[0].Body.GetProperty("refresh_token").GetString()!)).Status.Should().Be(400);
    }

    [Fact]
    public async Task CodePresentedWhileItsFirstRedemptionIsStillIssuing_RevokesTheAuthorization_SoLaterTokensAreRefused()
    {
        var browser = await fixture.LoggedInBrowserAsync();
        var before = await ValidCodeEntriesAsync();
        var pkce = Pkce.New();
        await browser.GetAsync(Flows.AuthorizeUrl(pkce: pkce));
        var code = Flows.RedirectParameters(browser)["code"];

        // The moment a concurrent winner has marked the code redeemed and not yet stored the
        // tokens it issues: revoking the tokens that exist then is not enough (it was the race
        // CI caught on PostgreSQL), the authorization itself must end.
        string authorizationId;
        using (var scope = Idp.Services.CreateScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<IdpDbContext>();
            // This code's entry: the one valid code entry that was not there before (creation times
            // can be equal under the fixture's clock, so "the newest" would be a guess).
            var id = (await ValidCodeEntriesAsync()).Except(before).Single();
            var row = await db.Set<OpenIddictEntityFrameworkCoreToken>().Include(t => t.Authorization).SingleAsync(t => t.Id == id);
            authorizationId = row.Authorization!.Id!;
            await db.Set<OpenIddictEntityFrameworkCoreToken>().Where(t => t.Id == row.Id)
                .ExecuteUpdateAsync(t => t.SetProperty(x => x.Status, OpenIddictConstants.Statuses.Redeemed));
        }

        using var backchannel = Idp.NewBackchannel();
        var (status, body) = await Flows.RedeemCodeAsync(backchannel, code, pkce);

        status.Should().Be(400, body.ToString());
        body.GetProperty("error").GetString().Should().Be("invalid_grant");
        using (var scope = Idp.Services.CreateScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<IdpDbContext>();
            (await db.Set<OpenIddictEntityFrameworkCoreAuthorization>().Where(a => a.Id == authorizationId).Select(a => a.Status).SingleAsync())
                .Should().Be(OpenIddictConstants.Statuses.Revoked);
        }
    }

    private async Task<List<string>> ValidCodeEntriesAsync()
    {
        using var scope = Idp.Services.CreateScope();
        return await scope.ServiceProvider.GetRequiredService<IdpDbContext>().Set<OpenIddictEntityFrameworkCoreToken>()
            .Where(t => t.Type == OpenIddictConstants.TokenTypeIdentifiers.Private.AuthorizationCode && t.Status == OpenIddictConstants.Statuses.Valid)
            .Select(t => t.Id!).ToListAsync();
    }

    [Fact]
    public async Task CodeReuse_FailsWithInvalidGrant_AndRevokesWhatTheFirstRedemptionIssued()
    {
        var browser = await fixture.LoggedInBrowserAsync();
        var pkce = Pkce.New();
        await browser.GetAsync(Flows.AuthorizeUrl(pkce: pkce));
        var code = Flows.RedirectParameters(browser)["code"];
        using var backchannel = Idp.NewBackchannel();

        var (status, first) = await Flows.RedeemCodeAsync(backchannel, code, pkce);
        status.Should().Be(200, first.ToString());

        var (reuseStatus, reuse) = await Flows.RedeemCodeAsync(backchannel, code, pkce);
        reuseStatus.Should().Be(400);
        reuse.GetProperty("error").GetString().Should().Be("invalid_grant");

        var (refreshStatus, _) = await Flows.RefreshAsync(backchannel, first.GetProperty("refresh_token").GetString()!);
        refreshStatus.Should().Be(400, "the refresh token from the first redemption must be revoked");
        (await IntrospectAsync(backchannel, first.GetProperty("access_token").GetString()!)).GetProperty("active").GetBoolean()
            .Should().BeFalse("the access token from the first redemption must be revoked (OIDF oidcc-codereuse)");
    }

    [Fact]
    public async Task Discovery_AdvertisesWhatAppsNeed()
    {
        using var backchannel = Idp.NewBackchannel();
        var doc = JsonDocument.Parse(await backchannel.GetStringAsync("/.well-known/openid-configuration")).RootElement;

        doc.GetProperty("issuer").GetString().Should().Be(IdpHost.Origin + "/");
        doc.GetProperty("code_challenge_methods_supported").EnumerateArray().Select(e => e.GetString()).Should().Equal("S256");
        doc.GetProperty("response_types_supported").EnumerateArray().Select(e => e.GetString()).Should().Equal("code");
        doc.GetProperty("grant_types_supported").EnumerateArray().Select(e => e.GetString()).Should()
            .BeEquivalentTo("authorization_code", "refresh_token", "client_credentials");
        doc.GetProperty("authorization_response_iss_parameter_supported").GetBoolean().Should().BeTrue();
        doc.TryGetProperty("pushed_authorization_request_endpoint", out _).Should().BeTrue();
        doc.TryGetProperty("end_session_endpoint", out _).Should().BeTrue();
        doc.TryGetProperty("introspection_endpoint", out _).Should().BeTrue();
        doc.TryGetProperty("revocation_endpoint", out _).Should().BeTrue();
        doc.GetProperty("scopes_supported").EnumerateArray().Select(e => e.GetString()).Should()
            .Contain(["openid", "profile", "email", "offline_access", "pid"]);
        doc.GetProperty("id_token_signing_alg_values_supported").EnumerateArray().Select(e => e.GetString()).Should().Contain("RS256");
    }

    [Fact]
    public async Task ClientCredentials_GivesAnAccessTokenForTheMachineClient()
    {
        using var backchannel = Idp.NewBackchannel();
        var (status, body) = await Flows.TokenAsync(backchannel, new Dictionary<string, string> { ["grant_type"] = "client_credentials" },
            IdpHost.MachineClientId, IdpHost.MachineSecret);

        status.Should().Be(200, body.ToString());
        var token = new JsonWebToken(body.GetProperty("access_token").GetString());
        token.Subject.Should().Be(IdpHost.MachineClientId);
        body.TryGetProperty("refresh_token", out _).Should().BeFalse();
    }

    [Fact]
    public async Task PidScope_ForAnAppAllowedIt_PutsThePidInTheIdToken()
    {
        var browser = await fixture.LoggedInBrowserAsync(pid: "03838712345");
        var pkce = Pkce.New();
        await browser.GetAsync(Flows.AuthorizeUrl(clientId: IdpHost.PidAppClientId, redirectUri: IdpHost.AppOrigin + "/pid/callback", scope: "openid pid", pkce: pkce));
        using var backchannel = Idp.NewBackchannel();

        var (status, tokens) = await Flows.RedeemCodeAsync(backchannel, Flows.RedirectParameters(browser)["code"], pkce,
            IdpHost.PidAppClientId, IdpHost.AppSecret, IdpHost.AppOrigin + "/pid/callback");

        status.Should().Be(200, tokens.ToString());
        new JsonWebToken(tokens.GetProperty("id_token").GetString()).GetClaim("pid").Value.Should().Be("03838712345");
    }

    [Fact]
    public async Task PidScope_ForAnAppNotAllowedIt_IsRefused()
    {
        var browser = await fixture.LoggedInBrowserAsync();
        var page = await browser.GetAsync(Flows.AuthorizeUrl(scope: "openid pid"));

        // OpenIddict answers an unpermitted scope with an error page, not a redirect with a code.
        page.Status.Should().Be(HttpStatusCode.BadRequest);
        page.Body.Should().Contain("not allowed to use the specified scope");
        browser.LeftTo.Should().BeNull();
    }

    private async Task<IList<SecurityKey>> JwksAsync()
    {
        using var backchannel = Idp.NewBackchannel();
        var json = await backchannel.GetStringAsync("/.well-known/jwks");
        return new JsonWebKeySet(json).GetSigningKeys();
    }

    private static async Task<JsonElement> IntrospectAsync(HttpClient backchannel, string token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/connect/introspect")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["token"] = token }),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic",
            Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes($"{IdpHost.AppClientId}:{IdpHost.AppSecret}")));
        using var response = await backchannel.SendAsync(request);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
    }
}
