using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace Educloud.Idp.Data;

/// <summary>Used only by `dotnet ef migrations add` to build the SQLite model.</summary>
internal sealed class SqliteDesignTimeFactory : IDesignTimeDbContextFactory<SqliteIdpDbContext>
{
    public SqliteIdpDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<SqliteIdpDbContext>().UseSqlite("Data Source=design.db").Options);
}

/// <summary>Used only by `dotnet ef migrations add --context PostgreSqlIdpDbContext` (no server is contacted).</summary>
internal sealed class PostgreSqlDesignTimeFactory : IDesignTimeDbContextFactory<PostgreSqlIdpDbContext>
{
    public PostgreSqlIdpDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<PostgreSqlIdpDbContext>().UseNpgsql("Host=localhost;Database=design").Options);
}
