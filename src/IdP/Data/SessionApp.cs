using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Educloud.Idp.Data;

/// <summary>
/// An app that got a login in an IdP session: one row per OpenIddict authorization (one per login
/// and app), written when the authorization endpoint issues the code. It says which apps to tell
/// when the session ends (OIDC Back-Channel Logout 1.0) and which authorizations, with their
/// refresh tokens, end with it; the account page shows the session's apps from it.
/// </summary>
/// <remarks>
/// An app that logs in twice in one session has two rows (two authorizations): "which apps" is
/// the distinct <see cref="ClientId"/>s of a session, the first login there the smallest <see cref="IssuedAt"/>.
/// The rows go with their session (cascade), when the pruning job deletes it.
/// </remarks>
public sealed class SessionApp
{
    /// <summary>The OpenIddict authorization the code (and its refresh tokens) belongs to.</summary>
    public required string AuthorizationId { get; set; }

    /// <summary>Our session id (<see cref="UserSession.Id"/>, the <c>sid</c> claim).</summary>
    public required string SessionId { get; set; }

    public required string ClientId { get; set; }

    /// <summary>When the app was given this login (its authorization code).</summary>
    public DateTimeOffset IssuedAt { get; set; }
}

internal sealed class SessionAppConfiguration : IEntityTypeConfiguration<SessionApp>
{
    public void Configure(EntityTypeBuilder<SessionApp> app)
    {
        app.ToTable("SessionApps");
        app.HasKey(a => a.AuthorizationId);
        app.Property(a => a.AuthorizationId).HasMaxLength(100);
        app.Property(a => a.SessionId).HasMaxLength(64);
        app.Property(a => a.ClientId).HasMaxLength(100);
        app.HasIndex(a => a.SessionId);
        app.HasOne<UserSession>().WithMany().HasForeignKey(a => a.SessionId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal static class SessionAppRows
{
    /// <summary>
    /// Adds <paramref name="row"/> only while its session is live, in one statement
    /// (<c>INSERT … SELECT … FROM Sessions WHERE live</c>): 1 when added, 0 when the session has ended
    /// or is gone. It cannot miss a session ending at the same moment on another replica
    /// (<see cref="Educloud.Idp.Logout.SessionEndings"/> marks the session ended, then reads its apps,
    /// in one transaction): on PostgreSQL the session row is locked <c>FOR SHARE</c>, so either this
    /// statement waits for the ending to commit and then sees the session ended, or the ending's
    /// update waits for this row to commit and then finds the app; SQLite runs one writer at a time.
    /// Names and the stored form of values come from the model (SQLite keeps dates as numbers).
    /// </summary>
    public static Task<int> AddIfSessionLiveAsync(IdpDbContext db, SessionApp row, CancellationToken cancellationToken)
    {
        // The statement depends only on the provider's model: built once per context type, not per login.
        var statement = Statements.GetOrAdd(db.GetType(), _ => Statement(db));
        var issuedAt = db.Model.FindEntityType(typeof(SessionApp))!.FindProperty(nameof(SessionApp.IssuedAt))!.GetTypeMapping().Converter is { } converter
            ? converter.ConvertToProvider(row.IssuedAt)
            : row.IssuedAt;
        return db.Database.ExecuteSqlRawAsync(
            statement,
            [row.AuthorizationId, row.SessionId, row.ClientId, issuedAt!],
            cancellationToken);
    }

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<Type, string> Statements = new();

    private static string Statement(IdpDbContext db)
    {
        var sql = db.GetService<ISqlGenerationHelper>();
        var apps = db.Model.FindEntityType(typeof(SessionApp))!;
        var sessions = db.Model.FindEntityType(typeof(UserSession))!;
        string Column(IEntityType type, string property) => sql.DelimitIdentifier(type.FindProperty(property)!.GetColumnName());
        return
            $"INSERT INTO {sql.DelimitIdentifier(apps.GetTableName()!)} " +
            $"({Column(apps, nameof(SessionApp.AuthorizationId))}, {Column(apps, nameof(SessionApp.SessionId))}, {Column(apps, nameof(SessionApp.ClientId))}, {Column(apps, nameof(SessionApp.IssuedAt))}) " +
            "SELECT {0}, {1}, {2}, {3} " +
            $"FROM {sql.DelimitIdentifier(sessions.GetTableName()!)} " +
            $"WHERE {Column(sessions, nameof(UserSession.Id))} = {{1}} AND {Column(sessions, nameof(UserSession.EndedAt))} IS NULL" +
            (db is PostgreSqlIdpDbContext ? " FOR SHARE" : "");
    }
}
