using Educloud.Idp.Connect;
using Educloud.Idp.Data;
using Educloud.Idp.Settings;
using Educloud.Idp.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using OpenIddict.Abstractions;

namespace Educloud.Idp.Tests.Connect;

/// <summary>Research apps from configuration: added, updated, never duplicated; secrets stored hashed.</summary>
public sealed class ClientRegistrationTests(IdpFixture fixture) : IClassFixture<IdpFixture>
{
    [Fact]
    public async Task ApplyingConfigurationAgain_UpdatesTheApp_AndNeverDuplicatesIt()
    {
        var client = new ClientSettings
        {
            ClientId = "reapplied-app", DisplayName = "First name", ClientSecret = "DEVELOPMENT-ONLY-reapplied-0123456789abcdef",
            RedirectUris = ["https://reapplied.example/cb"], Scopes = ["openid", "profile"],
        };
        await ApplyAsync(client);
        await ApplyAsync(client);
        client.DisplayName = "Second name";
        client.RedirectUris = ["https://reapplied.example/new-cb"];
        await ApplyAsync(client);

        await using var scope = fixture.Idp.Services.CreateAsyncScope();
        var applications = scope.ServiceProvider.GetRequiredService<IOpenIddictApplicationManager>();
        var all = new List<object>();
        await foreach (var app in applications.ListAsync(null, null, CancellationToken.None))
        {
            if (await applications.GetClientIdAsync(app) == "reapplied-app")
            {
                all.Add(app);
            }
        }

        all.Should().ContainSingle();
        (await applications.GetDisplayNameAsync(all[0])).Should().Be("Second name");
        (await applications.GetRedirectUrisAsync(all[0])).Should().Equal("https://reapplied.example/new-cb");
        var descriptor = new OpenIddictApplicationDescriptor();
        await applications.PopulateAsync(descriptor, all[0]);
        descriptor.ClientSecret.Should().NotBe(client.ClientSecret, "client secrets are stored hashed");
        (await applications.ValidateClientSecretAsync(all[0], client.ClientSecret!)).Should().BeTrue();
    }

    [Fact]
    public async Task ApplyingUnchangedConfigurationAgain_WritesNothing_AndAChangeIsStillWritten()
    {
        // Every restart applies the configuration: an unchanged app must not be written (no UPDATE on
        // the way to the first token, no needless cache invalidation on every replica).
        var client = new ClientSettings
        {
            ClientId = "unchanged-app", DisplayName = "Unchanged", ClientSecret = "DEVELOPMENT-ONLY-unchanged-0123456789abcdef",
            RedirectUris = ["https://unchanged.example/cb"], PostLogoutRedirectUris = ["https://unchanged.example/bye"],
            Scopes = ["openid", "profile", "offline_access"], Audience = "https://api.unchanged.example",
        };
        await ApplyAsync(client);
        var first = await ConcurrencyTokenAsync(client.ClientId);

        await ApplyAsync(client);
        (await ConcurrencyTokenAsync(client.ClientId)).Should().Be(first, "nothing changed, so nothing was written");

        client.Scopes = ["openid", "profile"];
        await ApplyAsync(client);
        (await ConcurrencyTokenAsync(client.ClientId)).Should().NotBe(first, "a changed scope list is written");
        await using var scope = fixture.Idp.Services.CreateAsyncScope();
        var applications = scope.ServiceProvider.GetRequiredService<IOpenIddictApplicationManager>();
        var app = await applications.FindByClientIdAsync(client.ClientId);
        (await applications.GetPermissionsAsync(app!)).Should().NotContain(OpenIddictConstants.Permissions.GrantTypes.RefreshToken);
    }

    [Fact]
    public async Task ChangedSecret_InConfiguration_ReplacesTheOldOne()
    {
        var client = new ClientSettings
        {
            ClientId = "rotated-app", DisplayName = "Rotated", ClientSecret = "DEVELOPMENT-ONLY-rotated-one-0123456789abcd",
            RedirectUris = ["https://rotated.example/cb"], Scopes = ["openid"],
        };
        await ApplyAsync(client);
        var old = client.ClientSecret!;
        client.ClientSecret = "DEVELOPMENT-ONLY-rotated-two-0123456789abcd";
        await ApplyAsync(client);

        await using var scope = fixture.Idp.Services.CreateAsyncScope();
        var applications = scope.ServiceProvider.GetRequiredService<IOpenIddictApplicationManager>();
        var app = await applications.FindByClientIdAsync("rotated-app");
        (await applications.ValidateClientSecretAsync(app!, client.ClientSecret)).Should().BeTrue();
        (await applications.ValidateClientSecretAsync(app!, old)).Should().BeFalse();
    }

    [Fact]
    public async Task ReplicasApplyingTheSameConfigurationAtOnce_AllStart_OneRegistration()
    {
        // Replicas started together (issue 10): each applies Clients at the same moment, first to a
        // new client (insert races insert), then again (update races update).
        var client = new ClientSettings
        {
            ClientId = "raced-app-" + Guid.NewGuid().ToString("N")[..8],
            DisplayName = "Raced",
            ClientSecret = "raced-secret-0123456789-0123456789-0123456789",
            RedirectUris = ["https://raced.example/cb"],
            Scopes = ["openid"],
        };

        await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => Task.Run(() => ApplyAsync(client))));
        await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => Task.Run(() => ApplyAsync(client))));

        await using var scope = fixture.Idp.Services.CreateAsyncScope();
        (await scope.ServiceProvider.GetRequiredService<IdpDbContext>().Set<OpenIddict.EntityFrameworkCore.Models.OpenIddictEntityFrameworkCoreApplication>()
            .CountAsync(a => a.ClientId == client.ClientId)).Should().Be(1);
    }

    private async Task<string?> ConcurrencyTokenAsync(string clientId)
    {
        await using var scope = fixture.Idp.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<IdpDbContext>().Set<OpenIddict.EntityFrameworkCore.Models.OpenIddictEntityFrameworkCoreApplication>()
            .AsNoTracking().Where(a => a.ClientId == clientId).Select(a => a.ConcurrencyToken).SingleAsync();
    }

    private async Task ApplyAsync(ClientSettings client)
    {
        await using var scope = fixture.Idp.Services.CreateAsyncScope();
        var options = new ClientsOptions();
        options.Clients.Add(client);
        await new ClientRegistrar(scope.ServiceProvider.GetRequiredService<IOpenIddictApplicationManager>(), Options.Create(options),
            scope.ServiceProvider.GetRequiredService<IdpDbContext>(), NullLogger<ClientRegistrar>.Instance).ApplyAsync(CancellationToken.None);
    }
}
