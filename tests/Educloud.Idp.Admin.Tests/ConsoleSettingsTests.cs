extern alias console;

using System.Reflection;
using System.Text.Json;
using console::Educloud.Idp.Admin.Hosting;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Hosting.Internal;

namespace Educloud.Idp.Admin.Tests;

/// <summary>The console's section (<c>Idp</c>) in the shared appsettings.schema.json, and its validation at start.</summary>
public sealed class ConsoleSettingsTests
{
    [Fact]
    public void IdpSection_InTheSchema_ListsExactlyTheConsoleOptions_WithTheirDefaults()
    {
        var section = Schema().GetProperty("properties").GetProperty(ConsoleOptions.Section);
        section.GetProperty("additionalProperties").GetBoolean().Should().BeFalse();
        var described = section.GetProperty("properties");
        var options = new ConsoleOptions();
        var settable = typeof(ConsoleOptions).GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanWrite).ToList();
        described.EnumerateObject().Select(p => p.Name).Should().BeEquivalentTo(settable.Select(p => p.Name));
        foreach (var property in settable)
        {
            var entry = described.GetProperty(property.Name);
            entry.GetProperty("description").GetString().Should().NotBeNullOrWhiteSpace();
            var value = property.GetValue(options);
            var expected = value is TimeSpan t ? t.ToString("c", System.Globalization.CultureInfo.InvariantCulture) : value?.ToString();
            entry.GetProperty("default").ToString().Should().Be(expected, $"the default of Idp:{property.Name}");
        }
    }

    [Theory]
    [InlineData("src/Admin/appsettings.json")]
    [InlineData("src/Admin/appsettings.Development.json")]
    public void ConsoleAppSettings_UseOnlySchemaKeys(string file)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(RepoRoot(), file)));
        doc.RootElement.GetProperty("$schema").GetString().Should().Be("../../appsettings.schema.json");
        var schema = Schema().GetProperty("properties");
        foreach (var section in doc.RootElement.EnumerateObject().Where(p => p.Name != "$schema"))
        {
            schema.TryGetProperty(section.Name, out var sectionSchema).Should().BeTrue($"{file}: '{section.Name}' is not in the schema");
            if (sectionSchema.TryGetProperty("properties", out var keys) && section.Value.ValueKind == JsonValueKind.Object)
            {
                foreach (var key in section.Value.EnumerateObject())
                {
                    keys.TryGetProperty(key.Name, out _).Should().BeTrue($"{file}: '{section.Name}:{key.Name}' is not in the schema");
                }
            }
        }
    }

    [Theory]
    [InlineData("Production", "http://idp.example.org", "0123456789012345678901234567890123", "Idp:Authority must use https")]
    [InlineData("Development", "not a url", "0123456789012345678901234567890123", "Idp:Authority must be an absolute")]
    [InlineData("Production", "https://idp.example.org", "DEVELOPMENT-ONLY-support-console-secret-x", "Idp:ClientSecret is a development secret")]
    [InlineData("Development", "http://localhost:5000", "short", "Idp:ClientSecret is required")]
    public void BadSettings_AreRefused_NamingTheKey(string environment, string authority, string secret, string message)
    {
        var validator = new ConsoleOptionsValidator(new HostingEnvironment { EnvironmentName = environment });
        var result = validator.Validate(null, new ConsoleOptions { Authority = authority, ClientSecret = secret });
        result.Failed.Should().BeTrue();
        result.FailureMessage.Should().Contain(message);
    }

    [Fact]
    public void DevelopmentSettings_AreAccepted_InDevelopment()
    {
        var validator = new ConsoleOptionsValidator(new HostingEnvironment { EnvironmentName = Environments.Development });
        validator.Validate(null, new ConsoleOptions { Authority = "http://localhost:5000", ClientSecret = "DEVELOPMENT-ONLY-support-console-secret-change-me" })
            .Succeeded.Should().BeTrue();
    }

    private static JsonElement Schema() =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(RepoRoot(), "appsettings.schema.json"))).RootElement;

    private static string RepoRoot([System.Runtime.CompilerServices.CallerFilePath] string source = "")
    {
        var directory = new DirectoryInfo(Path.GetDirectoryName(source)!);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Educloud.Idp.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("Repository root not found.");
    }
}
