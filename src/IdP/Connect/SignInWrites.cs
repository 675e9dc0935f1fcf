using Educloud.Idp.Data;
using Microsoft.EntityFrameworkCore;
using OpenIddict.EntityFrameworkCore.Models;
using OpenIddict.Server;
using static OpenIddict.Server.OpenIddictServerEvents;
using static OpenIddict.Server.OpenIddictServerHandlers;

namespace Educloud.Idp.Connect;

/// <summary>
/// The rows one sign-in writes, sent together at its end: the login's authorization (at the
/// authorization endpoint) with its code, or the access and refresh tokens' entries (at the token
/// endpoint). OpenIddict saves each as it makes it, one round trip per row on PostgreSQL; here the
/// stores (<see cref="TokenRowStore"/>, <see cref="AuthorizationRowStore"/>) only add them to the
/// request's DbContext (or, for access and refresh tokens, to <see cref="PendingTokens"/>) while a
/// sign-in is being processed, and <see cref="Flush"/> saves them in one batch before the response
/// is made (docs/performance.md, "Session 8" and "Session 12").
/// <para>
/// Nothing is handed out before its row is written: the response (code, tokens) is built by handlers
/// that run after <see cref="Flush"/>. Nothing reads these rows back from the database in between:
/// the tokens name the authorization by its id, which EF Core finds among the tracked entities. A
/// handler that must change such a row before it is written changes the tracked entity
/// (<see cref="Logout.LogoutServerHandlers"/>: a session that ended meanwhile revokes the authorization).
/// A sign-in rejected half-way hands out nothing; its added rows are written only if the request
/// saves something else afterwards, and then are rows of tokens nobody holds (pruned as expired).
/// </para>
/// </summary>
public sealed class SignInWrites
{
    /// <summary>Whether a sign-in is being processed in this request: rows are added, not yet saved.</summary>
    public bool Open { get; private set; }

    /// <summary>
    /// The sign-in's access and refresh token rows, kept out of EF Core until they are written
    /// (<see cref="TokenRowStore"/>): nothing changes them before, and nothing reads them back.
    /// </summary>
    public List<OpenIddictEntityFrameworkCoreToken> PendingTokens { get; } = new(2);

    /// <summary>Registers the two handlers that open and flush the batch.</summary>
    public static void AddTo(OpenIddictServerBuilder options) =>
        options.AddEventHandler(Begin.Descriptor).AddEventHandler(Flush.Descriptor);

    /// <summary>Before OpenIddict creates the authorization and the tokens' rows.</summary>
    public sealed class Begin(SignInWrites writes) : IOpenIddictServerHandler<ProcessSignInContext>
    {
        public static OpenIddictServerHandlerDescriptor Descriptor { get; } = OpenIddictServerHandlerDescriptor.CreateBuilder<ProcessSignInContext>()
            .UseScopedHandler<Begin>()
            .SetOrder(AttachAuthorization.Descriptor.Order - 500)
            .SetType(OpenIddictServerHandlerType.Custom)
            .Build();

        public ValueTask HandleAsync(ProcessSignInContext context)
        {
            writes.Open = true;
            return ValueTask.CompletedTask;
        }
    }

    /// <summary>After the last token is made, before the response is built: every row of the sign-in in one save.</summary>
    public sealed class Flush(SignInWrites writes, IdpDbContext db) : IOpenIddictServerHandler<ProcessSignInContext>
    {
        public static OpenIddictServerHandlerDescriptor Descriptor { get; } = OpenIddictServerHandlerDescriptor.CreateBuilder<ProcessSignInContext>()
            .UseScopedHandler<Flush>()
            .SetOrder(AttachSignInParameters.Descriptor.Order - 500)
            .SetType(OpenIddictServerHandlerType.Custom)
            .Build();

        public async ValueTask HandleAsync(ProcessSignInContext context)
        {
            writes.Open = false;
            await SaveTogetherAsync(db, writes.PendingTokens, context.CancellationToken);
            writes.PendingTokens.Clear();
        }
    }

    /// <summary>
    /// Saves the added rows as one unit. On PostgreSQL EF Core sends them as one batch, which the
    /// server runs as one implicit transaction (a batch ends with a single Sync: all or nothing,
    /// PostgreSQL "Extended Query" protocol); EF Core's own BEGIN … COMMIT around it would cost one
    /// more round trip for the COMMIT. Only for inserts of new rows: nothing here is checked against
    /// a concurrency token, which EF Core could only check after the batch had run. SQLite sends
    /// each statement on its own, so its save keeps EF Core's transaction.
    /// </summary>
    internal static async Task SaveTogetherAsync(DbContext db, IReadOnlyList<OpenIddictEntityFrameworkCoreToken> untracked, CancellationToken cancellationToken)
    {
        // Changes detected once for the whole save. HasChanges, Entries and SaveChanges would each
        // detect them again in every tracked entity, together about 2 % of a refresh grant's CPU
        // (docs/performance.md, "Session 10"); nothing changes an entity in between.
        var tracker = db.ChangeTracker;
        tracker.DetectChanges();
        var detecting = tracker.AutoDetectChangesEnabled;
        var transactions = db.Database.AutoTransactionBehavior;
        tracker.AutoDetectChangesEnabled = false;
        try
        {
            // The usual token grant: only the new tokens, not tracked, by one INSERT.
            if (!tracker.HasChanges() && (untracked.Count == 0 || await NewTokenRows.TryInsertAsync(db, untracked, cancellationToken)))
            {
                return;
            }

            // Anything else is saved with them in one unit, as before: the tokens join EF Core's
            // pending changes as added rows (Add sets their state; there is nothing to detect).
            foreach (var token in untracked)
            {
                db.Add(token);
            }

            if (await NewTokenRows.TryWriteAsync(db, cancellationToken))
            {
                return;
            }

            // The context's type, not Database.IsNpgsql(), which reads the provider's assembly name on every call.
            if (db is PostgreSqlIdpDbContext && !tracker.Entries().Any(e => e.State is EntityState.Modified or EntityState.Deleted))
            {
                db.Database.AutoTransactionBehavior = AutoTransactionBehavior.Never;
            }

            await db.SaveChangesAsync(cancellationToken);
        }
        finally
        {
            tracker.AutoDetectChangesEnabled = detecting;
            db.Database.AutoTransactionBehavior = transactions;
        }
    }
}
