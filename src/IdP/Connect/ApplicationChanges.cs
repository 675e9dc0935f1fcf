using Educloud.Idp.Data;

namespace Educloud.Idp.Connect;

/// <summary>
/// Tells every process that serves this database that a research app changed, so that each empties
/// its <see cref="CachedApplications"/>. Called after the change is committed.
/// </summary>
public interface IApplicationChanges
{
    /// <param name="db">The request's context: on PostgreSQL the notice is sent on its connection
    /// (inside its transaction, if one is open, so that it is delivered only on commit).</param>
    Task AnnounceAsync(IdpDbContext db, CancellationToken cancellationToken);
}

/// <summary>SQLite: one process owns the database file, so emptying this process's cache is enough.</summary>
public sealed class InProcessApplicationChanges(CachedApplications cache) : IApplicationChanges
{
    public Task AnnounceAsync(IdpDbContext db, CancellationToken cancellationToken)
    {
        cache.Forget();
        return Task.CompletedTask;
    }
}
