using Educloud.Idp.Testing;
using Npgsql;

namespace Educloud.Idp.Tests.Data;

/// <summary>The test server itself: it starts, survives a stop and start on the same port, and leaves nothing behind.</summary>
public sealed class PostgresServerTests
{
    [Fact]
    public async Task StartStopStartDispose_ServesAcrossRestartAndRemovesItsFolder()
    {
        var server = await PostgresServer.StartNewAsync();
        var folder = server.SocketDirectory;
        try
        {
            (await ScalarAsync(server.ConnectionString, "SELECT current_database()")).Should().Be(server.Database);
            await ScalarAsync(server.ConnectionString, "CREATE TABLE kept (n int); INSERT INTO kept VALUES (42)");

            await server.StopAsync();
            server.IsRunning.Should().BeFalse();
            var refused = async () => await ScalarAsync(server.ConnectionString, "SELECT 1");
            await refused.Should().ThrowAsync<NpgsqlException>();

            await server.StartAsync();
            (await ScalarAsync(server.ConnectionString, "SELECT n FROM kept")).Should().Be(42);
            server.Psql(server.Database, "SELECT count(*) FROM kept").Trim().Should().Be("1");
        }
        finally
        {
            await server.DisposeAsync();
        }

        Directory.Exists(folder).Should().BeFalse();
    }

    private static async Task<object?> ScalarAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        var result = await command.ExecuteScalarAsync();
        NpgsqlConnection.ClearPool(connection);
        return result;
    }
}
