using Educloud.Idp.Data;
using Educloud.Idp.Settings;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using OpenIddict.Abstractions;
using OpenIddict.EntityFrameworkCore.Models;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace Educloud.Idp.Connect;

/// <summary>
/// Applies the research apps in configuration (section <c>Clients</c>) to the database at start-up:
/// added when new, updated when changed, left unwritten when not, never duplicated. Apps registered
/// through the admin API are left alone.
/// </summary>
public sealed partial class ClientRegistrar(
    IOpenIddictApplicationManager applications,
    IOptions<ClientsOptions> options,
    IdpDbContext db,
    ILogger<ClientRegistrar> logger)
{
    public async Task ApplyAsync(CancellationToken cancellationToken)
    {
        foreach (var client in options.Value.Clients)
        {
            try
            {
                await ApplyAsync(client, cancellationToken);
            }
            catch (Exception e) when (e is OpenIddictExceptions.ConcurrencyException or OpenIddictExceptions.ValidationException or DbUpdateException)
            {
                // Replicas started together apply the same configuration at the same moment (issue 10's
                // topology test saw one crash at start): the loser of the race (OpenIddict's check or
                // the unique index on the client id, or the concurrency token of the update) leaves the
                // winner's row, written from the same settings. Anything else is still an error.
                db.ChangeTracker.Clear();
                if (!await db.Set<OpenIddictEntityFrameworkCoreApplication>().AsNoTracking().AnyAsync(a => a.ClientId == client.ClientId, cancellationToken))
                {
                    throw;
                }

                LogRaced(logger, client.ClientId);
            }
        }
    }

    private async Task ApplyAsync(ClientSettings client, CancellationToken cancellationToken)
    {
        var descriptor = Describe(client);
        var existing = await applications.FindByClientIdAsync(client.ClientId, cancellationToken);
        if (existing is null)
        {
            await applications.CreateAsync(descriptor, cancellationToken);
            LogRegistered(logger, client.ClientId);
            return;
        }

        var current = new OpenIddictApplicationDescriptor();
        await applications.PopulateAsync(current, existing, cancellationToken);

        // Re-hashing an unchanged secret on every start would be wasted work (PBKDF2): when the
        // configured secret still matches, hand the manager the stored hash so it sees no change.
        if (client.ClientSecret is not null && await applications.ValidateClientSecretAsync(existing, client.ClientSecret, cancellationToken))
        {
            descriptor.ClientSecret = current.ClientSecret;
        }

        // Unchanged (the usual restart): nothing written. An UPDATE of every configured app was on
        // every start's path to the first token, 30–90 ms of it (docs/performance.md, "Session 11"),
        // and told every replica to empty its app cache for nothing.
        if (SameApp(current, descriptor))
        {
            return;
        }

        await applications.UpdateAsync(existing, descriptor, cancellationToken);
        LogUpdated(logger, client.ClientId);
    }

    /// <summary>
    /// Whether the stored app and the configured one are the same in everything the manager would
    /// write. Conservative: anything it does not compare exactly (a JSON web key set) counts as changed,
    /// so the app is written as before.
    /// </summary>
    internal static bool SameApp(OpenIddictApplicationDescriptor stored, OpenIddictApplicationDescriptor configured)
    {
        static bool SameUris(HashSet<Uri> a, HashSet<Uri> b) =>
            a.Select(u => u.AbsoluteUri).ToHashSet(StringComparer.Ordinal).SetEquals(b.Select(u => u.AbsoluteUri));

        static bool SameEntries<TKey, TValue>(Dictionary<TKey, TValue> a, Dictionary<TKey, TValue> b, Func<TValue, TValue, bool> same)
            where TKey : notnull =>
            a.Count == b.Count && a.All(entry => b.TryGetValue(entry.Key, out var other) && same(entry.Value, other));

        return stored.JsonWebKeySet is null && configured.JsonWebKeySet is null
            && string.Equals(stored.ApplicationType, configured.ApplicationType, StringComparison.Ordinal)
            && string.Equals(stored.ClientId, configured.ClientId, StringComparison.Ordinal)
            && string.Equals(stored.ClientSecret, configured.ClientSecret, StringComparison.Ordinal)
            && string.Equals(stored.ClientType, configured.ClientType, StringComparison.Ordinal)
            && string.Equals(stored.ConsentType, configured.ConsentType, StringComparison.Ordinal)
            && string.Equals(stored.DisplayName, configured.DisplayName, StringComparison.Ordinal)
            && SameEntries(stored.DisplayNames, configured.DisplayNames, (a, b) => string.Equals(a, b, StringComparison.Ordinal))
            && stored.Permissions.SetEquals(configured.Permissions)
            && stored.Requirements.SetEquals(configured.Requirements)
            && SameUris(stored.RedirectUris, configured.RedirectUris)
            && SameUris(stored.PostLogoutRedirectUris, configured.PostLogoutRedirectUris)
            && SameEntries(stored.Properties, configured.Properties, (a, b) => string.Equals(a.GetRawText(), b.GetRawText(), StringComparison.Ordinal))
            && SameEntries(stored.Settings, configured.Settings, (a, b) => string.Equals(a, b, StringComparison.Ordinal));
    }

    public static OpenIddictApplicationDescriptor Describe(ClientSettings client)
    {
        var confidential = client.ClientSecret is not null;
        var descriptor = new OpenIddictApplicationDescriptor
        {
            ClientId = client.ClientId,
            DisplayName = client.DisplayName,
            ClientSecret = client.ClientSecret,
            ClientType = confidential ? ClientTypes.Confidential : ClientTypes.Public,
            // Research apps are first-party: the person consents by using them (no consent screen).
            ConsentType = ConsentTypes.Implicit,
        };

        foreach (var uri in client.RedirectUris)
        {
            descriptor.RedirectUris.Add(new Uri(uri, UriKind.Absolute));
        }

        foreach (var uri in client.PostLogoutRedirectUris)
        {
            descriptor.PostLogoutRedirectUris.Add(new Uri(uri, UriKind.Absolute));
        }

        if (client.RedirectUris.Count > 0)
        {
            descriptor.Permissions.UnionWith(
            [
                Permissions.Endpoints.Authorization,
                Permissions.Endpoints.PushedAuthorization,
                Permissions.Endpoints.Token,
                Permissions.Endpoints.EndSession,
                Permissions.GrantTypes.AuthorizationCode,
                Permissions.ResponseTypes.Code,
            ]);
            if (client.Scopes.Contains(Scopes.OfflineAccess))
            {
                descriptor.Permissions.Add(Permissions.GrantTypes.RefreshToken);
            }

            // PKCE for every client, confidential ones too (RFC 9700 2.1.1).
            descriptor.Requirements.Add(Requirements.Features.ProofKeyForCodeExchange);
        }

        if (client.AllowClientCredentials)
        {
            descriptor.Permissions.UnionWith([Permissions.Endpoints.Token, Permissions.GrantTypes.ClientCredentials]);
        }

        if (confidential)
        {
            descriptor.Permissions.UnionWith([Permissions.Endpoints.Introspection, Permissions.Endpoints.Revocation]);
        }
        else
        {
            descriptor.Permissions.Add(Permissions.Endpoints.Revocation);
        }

        foreach (var scope in client.Scopes.Where(s => s != Scopes.OpenId))
        {
            descriptor.Permissions.Add(Permissions.Prefixes.Scope + scope);
        }

        AppAudience.Store(descriptor, client.Audience);
        Logout.AppBackChannel.Store(descriptor, client.BackChannelLogoutUri, client.BackChannelLogoutSessionRequired);
        return descriptor;
    }

    [LoggerMessage(EventId = 1101, Level = LogLevel.Information, Message = "Registered research app {ClientId} from configuration")]
    private static partial void LogRegistered(ILogger logger, string clientId);

    [LoggerMessage(EventId = 1102, Level = LogLevel.Information, Message = "Updated research app {ClientId} from configuration")]
    private static partial void LogUpdated(ILogger logger, string clientId);

    [LoggerMessage(EventId = 1103, Level = LogLevel.Information, Message = "Research app {ClientId} was written by another replica at the same time; its row stays")]
    private static partial void LogRaced(ILogger logger, string clientId);
}
