using System.Data.Common;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using Microsoft.EntityFrameworkCore.Metadata;
using OpenIddict.EntityFrameworkCore.Models;

namespace Educloud.Idp.Connect;

/// <summary>
/// A sign-in's new token rows (the access and refresh tokens of a grant; a code's or state token's
/// row) written by one multi-row <c>INSERT</c> instead of EF Core's <c>SaveChanges</c>, which builds
/// each statement's text anew on every save and, on SQLite, wraps the rows in a transaction of its
/// own: together about 5 % of a refresh grant's CPU (docs/performance.md, "Session 10").
/// <para>
/// Only when every pending change is a new token row; anything else (an authorization, a changed
/// row) is left to <c>SaveChanges</c>, unchanged. One statement is atomic on both databases, so the
/// rows are written all or none, as before. The columns and their order come from EF Core's model,
/// so a column added by a later OpenIddict is written too; a property with a value converter (none
/// today) makes it step aside. The rows are then tracked as saved, exactly as after SaveChanges.
/// </para>
/// <para>
/// The access and refresh tokens of a sign-in are not even handed to EF Core (<see cref="TokenRowStore"/>):
/// adding an entity walks its graph and snapshots it for change tracking, about 2 % of a refresh
/// grant's CPU for rows nothing changes before they are written (docs/performance.md, "Session 12").
/// <see cref="TryInsertAsync"/> writes them from the entities themselves.
/// </para>
/// </summary>
internal static class NewTokenRows
{
    private static readonly ConditionalWeakTable<IModel, Statement?> Statements = [];

    /// <summary>Writes the pending changes if they are only new token rows; false, with nothing written, otherwise.</summary>
    public static async Task<bool> TryWriteAsync(DbContext db, CancellationToken cancellationToken)
    {
        // Changes were detected by the caller, once; Entries() must not detect them again.
        List<EntityEntry>? added = null;
        foreach (var entry in db.ChangeTracker.Entries())
        {
            if (entry.State is EntityState.Unchanged)
            {
                continue;
            }

            if (entry.State is not EntityState.Added || entry.Entity is not OpenIddictEntityFrameworkCoreToken)
            {
                return false;
            }

            (added ??= new(2)).Add(entry);
        }

        // The tracked rows' values as EF Core holds them (a foreign key too, whatever its navigation says).
        if (added is null || !await InsertAsync(db, added, static (entry, column) => entry.Property(column.Property).CurrentValue, cancellationToken))
        {
            return false;
        }

        foreach (var entry in added)
        {
            entry.State = EntityState.Unchanged;
        }

        return true;
    }

    /// <summary>
    /// Inserts these token rows, which EF Core does not track, by one statement; false, with nothing
    /// written, when the model has a column this cannot write as its plain value.
    /// </summary>
    public static Task<bool> TryInsertAsync(DbContext db, IReadOnlyList<OpenIddictEntityFrameworkCoreToken> tokens, CancellationToken cancellationToken) =>
        InsertAsync(db, tokens, static (token, column) => column.Read(token), cancellationToken);

    private static async Task<bool> InsertAsync<TRow>(DbContext db, IReadOnlyList<TRow> tokens, Func<TRow, (IProperty Property, Func<OpenIddictEntityFrameworkCoreToken, object?> Read), object?> value, CancellationToken cancellationToken)
    {
        if (tokens.Count == 0 || Statements.GetValue(db.Model, Statement.For) is not { } statement)
        {
            return false;
        }

        // Parameters typed by the column's own mapping, as SaveChanges makes them (a null has a type too).
        using var factory = db.Database.GetDbConnection().CreateCommand();
        var width = statement.Columns.Count;
        var parameters = new object[tokens.Count * width];
        for (var row = 0; row < tokens.Count; row++)
        {
            for (var column = 0; column < width; column++)
            {
                var property = statement.Columns[column].Property;
                parameters[(row * width) + column] = property.GetRelationalTypeMapping().CreateParameter(
                    factory, "t" + ((row * width) + column).ToString(CultureInfo.InvariantCulture), value(tokens[row], statement.Columns[column]), property.IsNullable);
            }
        }

        try
        {
            await db.Database.ExecuteSqlRawAsync(statement.Text(tokens.Count), parameters, cancellationToken);
        }
        catch (DbException exception)
        {
            // What SaveChanges would throw, so callers see one kind of failure.
            throw new DbUpdateException("The new token rows could not be written.", exception);
        }

        return true;
    }

    private sealed class Statement(IReadOnlyList<(IProperty Property, Func<OpenIddictEntityFrameworkCoreToken, object?> Read)> columns, string prefix, int width)
    {
        private readonly string?[] texts = new string?[8];

        /// <summary>Each column's property and how its value is read from a token entity.</summary>
        public IReadOnlyList<(IProperty Property, Func<OpenIddictEntityFrameworkCoreToken, object?> Read)> Columns { get; } = columns;

        /// <summary>The model's token table as OpenIddict maps it, or null when a column cannot be written as its plain value.</summary>
        public static Statement? For(IModel model)
        {
            var entity = model.FindEntityType(typeof(OpenIddictEntityFrameworkCoreToken));
            var table = entity?.GetTableName();
            if (entity is null || table is null || entity.GetSchema() is not null)
            {
                return null;
            }

            var properties = entity.GetProperties().ToList();
            if (properties.Any(p => p.GetValueConverter() is not null || p.GetColumnName() is not { Length: > 0 }))
            {
                return null;
            }

            var columns = new List<(IProperty, Func<OpenIddictEntityFrameworkCoreToken, object?>)>(properties.Count);
            foreach (var property in properties)
            {
                if (Reader(property) is not { } read)
                {
                    return null;
                }

                columns.Add((property, read));
            }

            var prefix = $"INSERT INTO {Quote(table)} ({string.Join(", ", properties.Select(c => Quote(c.GetColumnName())))}) VALUES ";
            return new Statement(columns, prefix, columns.Count);
        }

        /// <summary>
        /// How a column's value is read from the entity, without EF Core's change tracker: a mapped
        /// property from the entity; a shadow foreign key (the token's ApplicationId, AuthorizationId)
        /// from the key of the entity its navigation points to. Null for anything else.
        /// </summary>
        private static Func<OpenIddictEntityFrameworkCoreToken, object?>? Reader(IProperty property)
        {
            if (!property.IsShadowProperty())
            {
                var getter = property.GetGetter();
                return token => getter.GetClrValue(token);
            }

            if (property.GetContainingForeignKeys().ToList() is not [{ DependentToPrincipal: { } navigation, PrincipalKey.Properties: [var principalKey] }]
                || principalKey.IsShadowProperty())
            {
                return null;
            }

            var principal = navigation.GetGetter();
            var key = principalKey.GetGetter();
            return token => principal.GetClrValue(token) is { } entity ? key.GetClrValue(entity) : null;
        }

        public string Text(int rows) => rows < texts.Length ? texts[rows] ??= Build(rows) : Build(rows);

        // Both databases quote identifiers with double quotes; EF Core's names need no escaping.
        private static string Quote(string name) => '"' + name.Replace("\"", "\"\"", StringComparison.Ordinal) + '"';

        private string Build(int rows)
        {
            var text = new StringBuilder(prefix);
            for (var row = 0; row < rows; row++)
            {
                text.Append(row == 0 ? "(" : ", (");
                for (var column = 0; column < width; column++)
                {
                    text.Append(column == 0 ? "{" : ", {").Append((row * width) + column).Append('}');
                }

                text.Append(')');
            }

            return text.ToString();
        }
    }
}
