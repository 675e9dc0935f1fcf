using Educloud.Idp.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;
using OpenIddict.EntityFrameworkCore;
using OpenIddict.EntityFrameworkCore.Models;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace Educloud.Idp.Connect;

/// <summary>
/// OpenIddict's token store, with one statement fewer for each reference token: an authorization
/// code, a pushed authorization request (PAR, RFC 9126), and the state token of the login at
/// ID-porten (the OpenIddict client's).
/// <para>
/// OpenIddict makes such a token in three steps within one request: it creates the row (to learn
/// its id), makes the token that names that id, then stores the token and its reference id in the
/// same row. Each step was a statement, an <c>INSERT</c> followed by an <c>UPDATE</c> of the whole
/// row, two round trips on PostgreSQL (docs/performance.md, "Session 8"). Here the row is only
/// added to the request's DbContext at the first step (its id is made on the client, a GUID string,
/// so it is known at once) and written whole, by one <c>INSERT</c>, at the last.
/// </para>
/// <para>
/// Why only these two types: OpenIddict stores the payload of exactly the tokens it also creates a
/// row for (<c>CreateTokenEntry</c> and <c>PersistTokenPayload</c> are set together for codes, request
/// tokens and state tokens), so their creation is always followed by the update in the same request. Access
/// and refresh tokens are self-contained here: their row is never updated at creation, so it is
/// written at once as before. Nothing reads a row between the two steps. Should the request fail
/// between them, the row is not written at all (before, a row without a token stayed behind);
/// should the request save something else in between, EF Core writes the row then, as before.
/// </para>
/// </summary>
public sealed class TokenRowStore(IMemoryCache cache, IOpenIddictEntityFrameworkCoreContext context, IOptionsMonitor<OpenIddictEntityFrameworkCoreOptions> options, SignInWrites signIn)
    : OpenIddictEntityFrameworkCoreTokenStore(cache, context, options)
{
    /// <summary>The token types whose row is written once, with the token, by <see cref="UpdateAsync"/>.</summary>
    internal static bool IsWrittenWithItsToken(string? type) =>
        type is TokenTypeIdentifiers.Private.AuthorizationCode
            or TokenTypeIdentifiers.Private.StateToken
            or TokenTypeIdentifiers.Private.RequestToken;

    // OpenIddict's own query (token with its app and authorization, tracked), compiled once: a
    // refresh grant and a code redemption read their token by id, and EF Core's per-call evaluation
    // and cache lookup of the LINQ expression was about a fifth of that read (docs/performance.md, "Session 10").
    private static readonly PerModel<Func<IdpDbContext, string, CancellationToken, Task<OpenIddictEntityFrameworkCoreToken?>>> ById = new(() =>
        EF.CompileAsyncQuery((IdpDbContext db, string id, CancellationToken cancellationToken) => db.Set<OpenIddictEntityFrameworkCoreToken>()
            .Include(t => t.Application).Include(t => t.Authorization).AsTracking()
            .FirstOrDefault(t => t.Id == id)));

    // OpenIddict's query by reference id (an authorization code's, a PAR request's, an ID-porten state
    // token's: each login redeems two), compiled once for the same reason.
    private static readonly PerModel<Func<IdpDbContext, string, CancellationToken, Task<OpenIddictEntityFrameworkCoreToken?>>> ByReferenceId = new(() =>
        EF.CompileAsyncQuery((IdpDbContext db, string referenceId, CancellationToken cancellationToken) => db.Set<OpenIddictEntityFrameworkCoreToken>()
            .Include(t => t.Application).Include(t => t.Authorization).AsTracking()
            .FirstOrDefault(t => t.ReferenceId == referenceId)));

    /// <summary>As OpenIddict's (a tracked entity first, else the row), with the query compiled once.</summary>
    public override async ValueTask<OpenIddictEntityFrameworkCoreToken?> FindByReferenceIdAsync(string identifier, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(identifier);
        var db = (IdpDbContext)await Context.GetDbContextAsync(cancellationToken);
        return db.ChangeTracker.Entries<OpenIddictEntityFrameworkCoreToken>()
                   .FirstOrDefault(entry => string.Equals(entry.Entity.ReferenceId, identifier, StringComparison.Ordinal))?.Entity
            ?? await ByReferenceId.For(db)(db, identifier, cancellationToken);
    }

    /// <summary>
    /// As OpenIddict's: a tracked entity (or one of this sign-in's, not written yet) first, else the
    /// row. The tracked one is looked up by key (<see cref="TrackedEntities.FindTracked"/>) instead of
    /// through ChangeTracker.Entries, which detects changes in every tracked entity first.
    /// </summary>
    public override async ValueTask<OpenIddictEntityFrameworkCoreToken?> FindByIdAsync(string identifier, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(identifier);
        var db = (IdpDbContext)await Context.GetDbContextAsync(cancellationToken);
        return db.FindTracked<OpenIddictEntityFrameworkCoreToken>(identifier)
            ?? signIn.PendingTokens.Find(token => string.Equals(token.Id, identifier, StringComparison.Ordinal))
            ?? await ById.For(db)(db, identifier, cancellationToken);
    }

    public override async ValueTask CreateAsync(OpenIddictEntityFrameworkCoreToken token, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(token);
        if (IsWrittenWithItsToken(token.Type))
        {
            var dbContext = await Context.GetDbContextAsync(cancellationToken);
            dbContext.Add(token);
            return;
        }

        // Within a sign-in, an access or refresh token: kept aside and written with the sign-in's
        // other rows (SignInWrites), not handed to EF Core, whose Add walks the entity's graph and
        // snapshots it for nothing (docs/performance.md, "Session 12"). Its id is made here, as EF
        // Core's value generator would (a GUID string): OpenIddict puts it in the token.
        if (signIn.Open)
        {
            token.Id ??= Guid.NewGuid().ToString();
            signIn.PendingTokens.Add(token);
            return;
        }

        await base.CreateAsync(token, cancellationToken);
    }

    public override async ValueTask UpdateAsync(OpenIddictEntityFrameworkCoreToken token, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(token);
        if (signIn.PendingTokens.Contains(token))
        {
            // Not written yet: written whole, as it is then, with the sign-in's rows.
            return;
        }

        var dbContext = await Context.GetDbContextAsync(cancellationToken);
        if (dbContext.Entry(token).State == EntityState.Added)
        {
            // Not written yet (CreateAsync above): one INSERT of the whole row, nothing to check a
            // concurrency token against.
            await SignInWrites.SaveTogetherAsync(dbContext, [], cancellationToken);
            return;
        }

        await base.UpdateAsync(token, cancellationToken);
    }
}
