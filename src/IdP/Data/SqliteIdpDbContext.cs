using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace Educloud.Idp.Data;

/// <summary>The embedded default: a SQLite file. Migrations live in Data/Migrations/Sqlite.</summary>
public sealed class SqliteIdpDbContext(DbContextOptions<SqliteIdpDbContext> options) : IdpDbContext(options)
{
    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        // SQLite has no date-time-with-offset type, so EF cannot compare or order DateTimeOffset
        // columns in SQL. Stored as a sortable 64-bit number instead; PostgreSQL uses timestamptz.
        configurationBuilder.Properties<DateTimeOffset>().HaveConversion<DateTimeOffsetToBinaryConverter>();
        configurationBuilder.Properties<DateTimeOffset?>().HaveConversion<DateTimeOffsetToBinaryConverter>();
    }
}
