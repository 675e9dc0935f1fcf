using System.Collections.Concurrent;
using Educloud.Idp.Data;
using Microsoft.EntityFrameworkCore;
using OpenIddict.Abstractions;
using OpenIddict.EntityFrameworkCore.Models;

namespace Educloud.Idp.Connect;

/// <summary>
/// The research apps' rows, kept across requests so that OpenIddict does not read the app in every
/// request (three times per login, once per refresh grant: on PostgreSQL each is a round trip;
/// docs/performance.md, "Session 6"). One per process.
/// <para>
/// What keeps it safe: every change of an app goes through OpenIddict's application manager
/// (admin API, configured Clients), which tells every replica after the change is committed
/// (<see cref="ApplicationChanges"/>): the local cache is emptied at once, the others when the
/// notice reaches them. While a replica cannot hear those notices (PostgreSQL: its listening
/// connection is lost or not yet up) the cache is <em>suspended</em>: every request reads the row,
/// as without a cache. An app not found is never remembered, so a new app works at once.
/// </para>
/// <para>
/// What is kept is a detached copy of the row's values that no request ever sees; each request gets
/// a new entity made from it and attached to its own DbContext as if just read (so OpenIddict's
/// stores find it tracked, and an update of it is checked against its concurrency token as usual).
/// An entity tracked by one request's context is never handed to another request.
/// </para>
/// </summary>
public sealed class CachedApplications(bool active)
{
    // A handful of apps in practice; the bound only guards memory against a misbehaving caller.
    private const int Capacity = 1024;

    private readonly Lock gate = new();
    private readonly ConcurrentDictionary<string, OpenIddictEntityFrameworkCoreApplication> byClientId = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, OpenIddictEntityFrameworkCoreApplication> byId = new(StringComparer.Ordinal);
    private long generation;
    private volatile bool usable = active;

    /// <summary>Whether the cache is in use (false while a replica cannot hear change notices).</summary>
    public bool IsActive => usable;

    /// <summary>How many times the cache was emptied (tests wait on it for a notice from another replica).</summary>
    public long Generation => Interlocked.Read(ref generation);

    internal bool TryGetByClientId(string clientId, out OpenIddictEntityFrameworkCoreApplication template) =>
        byClientId.TryGetValue(clientId, out template!) && usable;

    internal bool TryGetById(string id, out OpenIddictEntityFrameworkCoreApplication template) =>
        byId.TryGetValue(id, out template!) && usable;

    /// <summary>
    /// Keeps a copy of a row read at <paramref name="readAt"/> (the <see cref="Generation"/> taken
    /// before the read): if the cache was emptied since, the row may predate a change and is dropped.
    /// </summary>
    internal void Remember(OpenIddictEntityFrameworkCoreApplication template, long readAt)
    {
        lock (gate)
        {
            if (!usable || generation != readAt || template.Id is null || template.ClientId is null)
            {
                return;
            }

            if (byId.Count >= Capacity)
            {
                byId.Clear();
                byClientId.Clear();
            }

            byId[template.Id] = template;
            byClientId[template.ClientId] = template;
        }
    }

    /// <summary>An app changed (here or on another replica): forget every app.</summary>
    public void Forget()
    {
        lock (gate)
        {
            generation++;
            byId.Clear();
            byClientId.Clear();
        }
    }

    /// <summary>Notices can no longer be heard: read every app from the database until <see cref="Resume"/>.</summary>
    public void Suspend()
    {
        lock (gate)
        {
            usable = false;
            generation++;
            byId.Clear();
            byClientId.Clear();
        }
    }

    /// <summary>Notices are heard again: start empty (what changed meanwhile was not heard) and cache again.</summary>
    public void Resume()
    {
        lock (gate)
        {
            generation++;
            byId.Clear();
            byClientId.Clear();
            usable = true;
        }
    }
}

/// <summary>
/// OpenIddict's per-request application cache, backed by <see cref="CachedApplications"/> instead of
/// a cache that lives and dies with the request.
/// </summary>
public sealed class IdpApplicationCache(
    CachedApplications shared,
    IOpenIddictApplicationStore<OpenIddictEntityFrameworkCoreApplication> store,
    IdpDbContext db) : IOpenIddictApplicationCache<OpenIddictEntityFrameworkCoreApplication>
{
    // The manager calls this after it created or updated an app. Nothing is added here: the row
    // just written is remembered only when a later request reads it (after the change notice).
    public ValueTask AddAsync(OpenIddictEntityFrameworkCoreApplication application, CancellationToken cancellationToken) =>
        ValueTask.CompletedTask;

    public async ValueTask<OpenIddictEntityFrameworkCoreApplication?> FindByClientIdAsync(string identifier, CancellationToken cancellationToken)
    {
        if (shared.TryGetByClientId(identifier, out var template))
        {
            return Attached(template);
        }

        var readAt = shared.Generation;
        return Remembered(await store.FindByClientIdAsync(identifier, cancellationToken), readAt);
    }

    public async ValueTask<OpenIddictEntityFrameworkCoreApplication?> FindByIdAsync(string identifier, CancellationToken cancellationToken)
    {
        if (shared.TryGetById(identifier, out var template))
        {
            return Attached(template);
        }

        var readAt = shared.Generation;
        return Remembered(await store.FindByIdAsync(identifier, cancellationToken), readAt);
    }

    // Rare (end-session and redirect checks by address): straight to the database.
    public IAsyncEnumerable<OpenIddictEntityFrameworkCoreApplication> FindByPostLogoutRedirectUriAsync(string uri, CancellationToken cancellationToken) =>
        store.FindByPostLogoutRedirectUriAsync(uri, cancellationToken);

    public IAsyncEnumerable<OpenIddictEntityFrameworkCoreApplication> FindByRedirectUriAsync(string uri, CancellationToken cancellationToken) =>
        store.FindByRedirectUriAsync(uri, cancellationToken);

    // The manager calls this before it deletes and after it updated an app; the notice to every
    // replica follows the commit (IdpApplicationManager). Emptying here too costs nothing.
    public ValueTask RemoveAsync(OpenIddictEntityFrameworkCoreApplication application, CancellationToken cancellationToken)
    {
        shared.Forget();
        return ValueTask.CompletedTask;
    }

    private OpenIddictEntityFrameworkCoreApplication? Remembered(OpenIddictEntityFrameworkCoreApplication? application, long readAt)
    {
        // Only a row as it is in the database: an entity this request changed but has not saved is not a fact to share.
        if (application is not null && db.Entry(application) is { State: EntityState.Unchanged } entry)
        {
            shared.Remember((OpenIddictEntityFrameworkCoreApplication)entry.OriginalValues.ToObject(), readAt);
        }

        return application;
    }

    /// <summary>A new entity with the row's values, tracked by this request's context as if read from the database.</summary>
    private OpenIddictEntityFrameworkCoreApplication Attached(OpenIddictEntityFrameworkCoreApplication template)
    {
        if (db.FindTracked<OpenIddictEntityFrameworkCoreApplication>(template.Id!) is { } tracked)
        {
            return tracked;
        }

        var application = new OpenIddictEntityFrameworkCoreApplication();
        var entry = db.Entry(application);
        entry.CurrentValues.SetValues(template);
        entry.State = EntityState.Unchanged;
        return application;
    }
}
