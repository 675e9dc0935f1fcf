using Educloud.Idp.Connect;
using Educloud.Idp.Hosting;
using Educloud.Idp.Tests.Infrastructure;
using Microsoft.AspNetCore.Mvc.Testing;

namespace Educloud.Idp.Tests.Hosting;

/// <summary>
/// Issue 8 item 13: HSTS outside Development, and a CSP form-action of exactly 'self', ID-porten and
/// the origins of the enabled apps (no localhost in Production); a new app is allowed without a restart.
/// </summary>
public sealed class SecurityHeadersTests(IdpFixture fixture) : IClassFixture<IdpFixture>
{
    [Fact]
    public async Task Production_SendsHsts_AndFormActionOfSelfIdPortenAndTheApps()
    {
        // The IdP as Production runs it: real key files, the real ID-porten (never called here), apps from configuration.
        using var idp = new ProductionIdp(ProductionIdp.Starting(new Dictionary<string, string>
        {
            ["Server:Issuer"] = "https://login.educloud.test",
            ["Clients:0:ClientId"] = "app",
            ["Clients:0:DisplayName"] = "App",
            ["Clients:0:ClientSecret"] = "a-production-like-app-secret-0123456789abcdef",
            ["Clients:0:RedirectUris:0"] = "https://app.test/signin-oidc",
            ["Clients:0:PostLogoutRedirectUris:0"] = "https://app.test/signed-out",
            ["Clients:0:Scopes:0"] = "openid",
            ["Clients:1:ClientId"] = "spa",
            ["Clients:1:DisplayName"] = "Single-page app",
            ["Clients:1:RedirectUris:0"] = "https://spa.test:8443/callback",
            ["Clients:1:Scopes:0"] = "openid",
        }));
        using var client = idp.CreateClient(new WebApplicationFactoryClientOptions { BaseAddress = new Uri("https://login.educloud.test"), AllowAutoRedirect = false });

        using var response = await client.GetAsync("/account/login");

        response.StatusCode.Should().Be(System.Net.HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        response.Headers.GetValues("Strict-Transport-Security").Should().Equal(SecurityHeaders.StrictTransportSecurity);
        FormAction(response).Should().Be("form-action 'self' https://app.test https://idporten.test https://spa.test:8443",
            "ourselves, ID-porten, and the redirect and post-logout origins of the apps, nothing else");
    }

    [Fact]
    public async Task Development_SendsNoHsts_AndKeepsLocalApps()
    {
        using var client = fixture.Idp.NewBackchannel();

        using var response = await client.GetAsync("/account/login");

        response.Headers.Contains("Strict-Transport-Security").Should().BeFalse();
        FormAction(response).Should().StartWith("form-action 'self' ").And.Contain("http://localhost:*").And.NotContain("[::1]");
    }

    [Fact]
    public async Task AppRegisteredThroughTheAdminApi_IsInFormActionAtOnce_AndLeavesItWhenDisabled()
    {
        var admin = await AdminApi.LogInAsync(fixture.Idp, AdminRoles.Admin);
        var clientId = "csp-app-" + Guid.NewGuid().ToString("N")[..8];
        var origin = $"https://{clientId}.example";
        (await FormActionAsync()).Should().NotContain(origin);

        var (status, app, _) = await AdminApi.SendAsync(fixture.Idp, admin.AccessToken, HttpMethod.Post, "/api/admin/apps", new
        {
            clientId,
            displayName = "Registered later",
            clientType = "confidential",
            redirectUris = new[] { origin + "/signin-oidc" },
            scopes = new[] { "openid" },
            consentType = "implicit",
            reason = "new study",
        });
        status.Should().Be(201, app.ToString());
        (await FormActionAsync()).Split(' ').Should().Contain(origin, "no restart, no waiting for the cache");

        (await AdminApi.SendAsync(fixture.Idp, admin.AccessToken, HttpMethod.Post, $"/api/admin/apps/{clientId}/disable", new { reason = "study over" })).Status.Should().Be(204);
        (await FormActionAsync()).Split(' ').Should().NotContain(origin);
    }

    private async Task<string> FormActionAsync()
    {
        using var client = fixture.Idp.NewBackchannel();
        using var response = await client.GetAsync("/account/login");
        return FormAction(response);
    }

    private static string FormAction(HttpResponseMessage response) =>
        response.Headers.GetValues("Content-Security-Policy").Single().Split(';', StringSplitOptions.TrimEntries).Single(d => d.StartsWith("form-action ", StringComparison.Ordinal));
}
