using System.Net.Sockets;
using Educloud.Idp.Data;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Educloud.Idp.Tests.Data;

/// <summary>What the error page answers 503 for (the database is unreachable) and what stays a 500.</summary>
public sealed class DatabaseUnavailableTests
{
    [Fact]
    public void PostgreSqlUnreachable_EvenWrapped_IsUnavailable()
    {
        var refused = new NpgsqlException("Failed to connect to 127.0.0.1:5432", new SocketException((int)SocketError.ConnectionRefused));

        DatabaseUnavailable.Is(refused).Should().BeTrue();
        DatabaseUnavailable.Is(new InvalidOperationException("An exception has been raised that is likely due to a transient failure.", refused)).Should().BeTrue();
    }

    [Fact]
    public void ConstraintViolationsAndOtherFaults_AreNot()
    {
        DatabaseUnavailable.Is(new DbUpdateException("duplicate", new SqliteException("UNIQUE constraint failed", 19))).Should().BeFalse();
        DatabaseUnavailable.Is(new InvalidOperationException("a bug")).Should().BeFalse();
        DatabaseUnavailable.Is(new HttpRequestException("ID-porten unreachable", new SocketException((int)SocketError.ConnectionRefused))).Should().BeFalse();
        DatabaseUnavailable.Is(null).Should().BeFalse();
    }
}
