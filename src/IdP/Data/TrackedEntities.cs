using Microsoft.EntityFrameworkCore;

namespace Educloud.Idp.Data;

public static class TrackedEntities
{
    /// <summary>
    /// The entity of this key that <paramref name="db"/> already tracks, or null; never a query.
    /// <para>
    /// <c>DbSet.Local</c> first detects changes in every tracked entity when automatic detection is
    /// on (EF Core, InternalDbSet.Local); a lookup by key needs none of that. Done per call in the
    /// token endpoint, that detection was about 3 % of a refresh grant's CPU (docs/performance.md,
    /// "Session 10"). Changes are still detected where they matter: at SaveChanges.
    /// </para>
    /// </summary>
    public static TEntity? FindTracked<TEntity>(this DbContext db, string key)
        where TEntity : class
    {
        var tracker = db.ChangeTracker;
        var detecting = tracker.AutoDetectChangesEnabled;
        tracker.AutoDetectChangesEnabled = false;
        try
        {
            return db.Set<TEntity>().Local.FindEntry(key)?.Entity;
        }
        finally
        {
            tracker.AutoDetectChangesEnabled = detecting;
        }
    }
}
