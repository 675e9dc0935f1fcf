using Educloud.Idp.Data;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;
using OpenIddict.EntityFrameworkCore;
using OpenIddict.EntityFrameworkCore.Models;

namespace Educloud.Idp.Connect;

/// <summary>
/// OpenIddict's authorization store, except that the login's authorization, made while a sign-in is
/// processed at the authorization endpoint, is saved with the code that belongs to it: one round trip
/// instead of two (<see cref="SignInWrites"/>). Every other authorization is saved at once, as before.
/// </summary>
public sealed class AuthorizationRowStore(IMemoryCache cache, IOpenIddictEntityFrameworkCoreContext context, IOptionsMonitor<OpenIddictEntityFrameworkCoreOptions> options, SignInWrites signIn)
    : OpenIddictEntityFrameworkCoreAuthorizationStore(cache, context, options)
{
    /// <summary>
    /// As OpenIddict's: a tracked entity first (in a refresh grant, the one read with the token), else
    /// the row. Looked up by key, not through ChangeTracker.Entries, which detects changes in every
    /// tracked entity first (<see cref="TrackedEntities.FindTracked"/>).
    /// </summary>
    public override async ValueTask<OpenIddictEntityFrameworkCoreAuthorization?> FindByIdAsync(string identifier, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(identifier);
        var db = await Context.GetDbContextAsync(cancellationToken);
        return db.FindTracked<OpenIddictEntityFrameworkCoreAuthorization>(identifier) ?? await base.FindByIdAsync(identifier, cancellationToken);
    }

    public override async ValueTask CreateAsync(OpenIddictEntityFrameworkCoreAuthorization authorization, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(authorization);
        if (signIn.Open)
        {
            (await Context.GetDbContextAsync(cancellationToken)).Add(authorization);
            return;
        }

        await base.CreateAsync(authorization, cancellationToken);
    }
}
