using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace Educloud.Idp.Data;

/// <summary>Used only by `dotnet ef migrations add` to build the SQLite model.</summary>
internal sealed class SqliteDesignTimeFactory : IDesignTimeDbContextFactory<SqliteIdpDbContext>
{
    public SqliteIdpDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<SqliteIdpDbContext>().UseSqlite("Data Source=design.db").Options);
}
