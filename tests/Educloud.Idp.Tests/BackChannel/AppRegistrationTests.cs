using Educloud.Idp.Logout;
using Educloud.Idp.Settings;
using Educloud.Idp.Tests.Infrastructure;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Hosting;

namespace Educloud.Idp.Tests.BackChannel;

/// <summary>How an app registers its back-channel logout URI: configuration (checked at start, naming the key) and the admin API.</summary>
public sealed class AppRegistrationTests(IdpFixture fixture) : IClassFixture<IdpFixture>
{
    [Theory]
    [InlineData("https://study.example.org/backchannel-logout", "Production", true)]
    [InlineData("https://study.example.org/logout?from=idp", "Production", true)]
    [InlineData("http://study.example.org/backchannel-logout", "Production", false)]
    [InlineData("http://localhost:5100/backchannel-logout", "Production", false)]
    [InlineData("http://localhost:5100/backchannel-logout", "Development", true)]
    [InlineData("https://study.example.org/backchannel-logout#x", "Development", false)]
    [InlineData("/backchannel-logout", "Development", false)]
    [InlineData("ftp://study.example.org/logout", "Development", false)]
    public void BackChannelLogoutUri_InConfiguration_IsAbsoluteHttpsOutsideDevelopmentWithoutAFragment(string uri, string environment, bool accepted)
    {
        var options = new ClientsOptions();
        options.Clients.Add(new ClientSettings
        {
            ClientId = "study", DisplayName = "Study", ClientSecret = new string('s', 40),
            RedirectUris = ["https://study.example.org/signin-oidc"], Scopes = ["openid"], BackChannelLogoutUri = uri,
        });

        var result = new ClientsOptionsValidator(new Environment(environment)).Validate(null, options);

        result.Succeeded.Should().Be(accepted, result.FailureMessage);
        if (!accepted)
        {
            result.FailureMessage.Should().Contain("Clients:0:BackChannelLogoutUri");
        }
    }

    [Fact]
    public async Task AdminApi_RegistersAndUpdatesTheBackChannelUri_AndRefusesABadOne()
    {
        var admin = await AdminApi.LogInAsync(fixture.Idp, "admin");
        var clientId = "bcl-" + Guid.NewGuid().ToString("N")[..8];
        object Body(string? uri, bool sessionRequired) => new
        {
            clientId,
            displayName = "A study",
            redirectUris = new[] { "https://study.example.org/signin-oidc" },
            scopes = new[] { "openid", "offline_access" },
            backChannelLogoutUri = uri,
            backChannelLogoutSessionRequired = sessionRequired,
            reason = "ticket 7",
        };

        var (refused, problem, _) = await AdminApi.SendAsync(fixture.Idp, admin.AccessToken, HttpMethod.Post, "/api/admin/apps", Body("https://study.example.org/logout#frag", true));
        refused.Should().Be(400);
        problem.GetProperty("detail").GetString().Should().Contain("BackChannelLogoutUri");

        var (created, app, _) = await AdminApi.SendAsync(fixture.Idp, admin.AccessToken, HttpMethod.Post, "/api/admin/apps", Body("https://study.example.org/backchannel-logout", true));
        created.Should().Be(201, app.ToString());
        app.GetProperty("backChannelLogoutUri").GetString().Should().Be("https://study.example.org/backchannel-logout");
        app.GetProperty("backChannelLogoutSessionRequired").GetBoolean().Should().BeTrue();

        var (updated, changed, _) = await AdminApi.SendAsync(fixture.Idp, admin.AccessToken, HttpMethod.Put, $"/api/admin/apps/{clientId}", Body(null, false));
        updated.Should().Be(200, changed.ToString());
        changed.GetProperty("backChannelLogoutUri").ValueKind.Should().Be(System.Text.Json.JsonValueKind.Null, "PUT replaces every setting");

        var (status, deliveries, _) = await AdminApi.SendAsync(fixture.Idp, admin.AccessToken, HttpMethod.Get, $"/api/admin/apps/{clientId}/logout-deliveries");
        status.Should().Be(200);
        deliveries.GetProperty("pending").GetInt32().Should().Be(0);
        (await AdminApi.SendAsync(fixture.Idp, admin.AccessToken, HttpMethod.Get, "/api/admin/apps/no-such-app/logout-deliveries")).Status.Should().Be(404);
    }

    [Fact]
    public void LogoutSenderBackoff_DoublesFromTheFirstDelay_UpToTheMaximum()
    {
        var settings = new BackChannelLogoutOptions();

        Enumerable.Range(1, 8).Select(n => LogoutSender.Backoff(n, settings)).Should().Equal(
            TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(20), TimeSpan.FromSeconds(40), TimeSpan.FromSeconds(80),
            TimeSpan.FromSeconds(160), TimeSpan.FromSeconds(320), TimeSpan.FromMinutes(10), TimeSpan.FromMinutes(10));
    }

    private sealed class Environment(string name) : IHostEnvironment
    {
        public string EnvironmentName { get; set; } = name;

        public string ApplicationName { get; set; } = "Educloud.Idp";

        public string ContentRootPath { get; set; } = AppContext.BaseDirectory;

        public IFileProvider ContentRootFileProvider { get; set; } = new NullFileProvider();
    }
}
