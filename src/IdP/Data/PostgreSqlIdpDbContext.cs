using Microsoft.EntityFrameworkCore;

namespace Educloud.Idp.Data;

/// <summary>
/// Production and scale-out: PostgreSQL, shared by every replica. Migrations live in
/// Data/Migrations/PostgreSql. DateTimeOffset maps to timestamptz (Npgsql's default; values are
/// always UTC here, TimeProvider.GetUtcNow), so EF compares and orders them in SQL.
/// </summary>
public sealed class PostgreSqlIdpDbContext(DbContextOptions<PostgreSqlIdpDbContext> options) : IdpDbContext(options);
