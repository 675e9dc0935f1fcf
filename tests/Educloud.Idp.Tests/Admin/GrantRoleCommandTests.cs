using System.Diagnostics;
using Educloud.Idp.Data;
using Educloud.Idp.Tests.Infrastructure;
using Microsoft.AspNetCore.Identity;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;

namespace Educloud.Idp.Tests.Admin;

/// <summary>The first admin needs no UI: `Educloud.Idp grant-role &lt;username-or-user-id&gt; admin`, run as a real process.</summary>
public sealed class GrantRoleCommandTests
{
    [Fact]
    public async Task GrantRole_FromTheCommandLine_GivesTheRole_AndRefusesUnknownUsersAndRoles()
    {
        const string userName = "first-admin";
        var dataDirectory = Path.Combine(Path.GetTempPath(), "educloud-idp-tests", "grant-" + Guid.NewGuid().ToString("N"));
        using (var idp = new IdpHost())
        {
            await using var scope = idp.Services.CreateAsyncScope();
            var created = await scope.ServiceProvider.GetRequiredService<UserManager<IdpUser>>()
                .CreateAsync(new IdpUser { UserName = userName, CreatedAt = DateTimeOffset.UtcNow });
            created.Succeeded.Should().BeTrue();

            // Keep the database: the host deletes its folder when disposed.
            SqliteConnection.ClearAllPools();
            Directory.CreateDirectory(dataDirectory);
            foreach (var file in Directory.GetFiles(idp.DataDirectory, "idp.db*"))
            {
                File.Copy(file, Path.Combine(dataDirectory, Path.GetFileName(file)));
            }
        }

        try
        {
            var (code, output) = await RunAsync(dataDirectory, "grant-role", userName, "admin");
            code.Should().Be(0, output);
            output.Should().Contain("Granted 'admin'");
            RolesOf(dataDirectory, userName).Should().Equal("admin");

            (code, output) = await RunAsync(dataDirectory, "grant-role", "no-such-user", "admin");
            code.Should().Be(1, output);
            (code, output) = await RunAsync(dataDirectory, "grant-role", userName, "root");
            code.Should().Be(1, output);
            (code, output) = await RunAsync(dataDirectory, "grant-role", userName);
            code.Should().Be(2, output);
            RolesOf(dataDirectory, userName).Should().Equal("admin");
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            Directory.Delete(dataDirectory, recursive: true);
        }
    }

    private static List<string> RolesOf(string dataDirectory, string userName)
    {
        using var connection = new SqliteConnection($"Data Source={Path.Combine(dataDirectory, "idp.db")};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT r.Name FROM AspNetUserRoles ur JOIN AspNetRoles r ON r.Id = ur.RoleId JOIN AspNetUsers u ON u.Id = ur.UserId WHERE u.UserName = $name";
        command.Parameters.AddWithValue("$name", userName);
        using var reader = command.ExecuteReader();
        var roles = new List<string>();
        while (reader.Read())
        {
            roles.Add(reader.GetString(0));
        }

        return roles;
    }

    private static async Task<(int Code, string Output)> RunAsync(string dataDirectory, params string[] args)
    {
        var contentRoot = Path.Combine(Settings.SettingsSchemaTests.RepoRoot(), "src", "IdP");
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = contentRoot,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.ArgumentList.Add(typeof(Program).Assembly.Location);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Development";
        start.Environment["Database__ConnectionString"] = $"Data Source={Path.Combine(dataDirectory, "idp.db")}";
        start.Environment["Database__MigrateOnStartup"] = "false";
        start.Environment["Keys__DevelopmentKeysDirectory"] = Path.Combine(dataDirectory, "keys");
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout + await stderr);
    }
}
