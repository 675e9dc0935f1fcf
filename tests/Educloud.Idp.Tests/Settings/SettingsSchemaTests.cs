using System.Collections;
using System.Globalization;
using System.Reflection;
using System.Text.Json;
using Educloud.Idp.Settings;

namespace Educloud.Idp.Tests.Settings;

/// <summary>appsettings.schema.json describes every setting, with the options' own defaults, and nothing else.</summary>
public sealed class SettingsSchemaTests
{
    private static readonly (string Section, Type Options)[] Sections =
    [
        (DatabaseOptions.Section, typeof(DatabaseOptions)),
        (IdPortenOptions.Section, typeof(IdPortenOptions)),
        (KeysOptions.Section, typeof(KeysOptions)),
        (UsersOptions.Section, typeof(UsersOptions)),
        (IdpSessionOptions.Section, typeof(IdpSessionOptions)),
        (TokenOptions.Section, typeof(TokenOptions)),
        (Educloud.Idp.Totp.TotpOptions.Section, typeof(Educloud.Idp.Totp.TotpOptions)),
        (Educloud.Idp.LocalAccounts.LocalAccountOptions.Section, typeof(Educloud.Idp.LocalAccounts.LocalAccountOptions)),
        (ForwardedHeadersSettings.Section, typeof(ForwardedHeadersSettings)),
        (ServerOptions.Section, typeof(ServerOptions)),
        (Educloud.Idp.Logout.BackChannelLogoutOptions.Section, typeof(Educloud.Idp.Logout.BackChannelLogoutOptions)),
        (Educloud.Idp.Mail.MailOptions.Section, typeof(Educloud.Idp.Mail.MailOptions)),
        (Educloud.Shared.Branding.BrandingOptions.Section, typeof(Educloud.Shared.Branding.BrandingOptions)),
    ];

    public static TheoryData<string> SectionNames() => [.. Sections.Select(s => s.Section)];

    [Theory]
    [MemberData(nameof(SectionNames))]
    public void EverySetting_IsInTheSchema_WithItsDefaultAndADescription(string section)
    {
        var type = Sections.Single(s => s.Section == section).Options;
        AssertDescribes(Schema().GetProperty("properties").GetProperty(section), type, section);
    }

    [Fact]
    public void ClientEntries_AreInTheSchema_WithTheirDefaultsAndDescriptions() =>
        AssertDescribes(Schema().GetProperty("properties").GetProperty(ClientsOptions.Section).GetProperty("items"), typeof(ClientSettings), "Clients:n");

    [Fact]
    public void EverySection_InTheSchema_HasOptions()
    {
        // "Idp" is the support console's section (src/Admin), checked against its options in Educloud.Idp.Admin.Tests.
        var known = Sections.Select(s => s.Section).Append(ClientsOptions.Section).Append("Idp").Append("Logging").Append("AllowedHosts");
        Schema().GetProperty("properties").EnumerateObject().Select(p => p.Name).Should().BeSubsetOf(known);
    }

    [Theory]
    [InlineData("src/IdP/appsettings.json")]
    [InlineData("src/IdP/appsettings.Development.json")]
    public void AppSettingsFiles_PointAtTheSchema_AndUseOnlyItsKeys(string file)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(RepoRoot(), file)));
        doc.RootElement.GetProperty("$schema").GetString().Should().Be("../../appsettings.schema.json");
        var schema = Schema().GetProperty("properties");
        foreach (var section in doc.RootElement.EnumerateObject().Where(p => p.Name != "$schema"))
        {
            schema.TryGetProperty(section.Name, out var sectionSchema).Should().BeTrue($"{file}: section '{section.Name}' is not in the schema");
            var properties = sectionSchema.TryGetProperty("items", out var items) ? items : sectionSchema;
            if (!properties.TryGetProperty("properties", out var keys))
            {
                continue;
            }

            var entries = section.Value.ValueKind == JsonValueKind.Array ? section.Value.EnumerateArray().ToList() : [section.Value];
            foreach (var key in entries.SelectMany(e => e.EnumerateObject()))
            {
                keys.TryGetProperty(key.Name, out _).Should().BeTrue($"{file}: '{section.Name}:{key.Name}' is not in the schema");
            }
        }
    }

    private static void AssertDescribes(JsonElement schema, Type type, string path)
    {
        var options = Activator.CreateInstance(type)!;
        var described = schema.GetProperty("properties");
        var settable = type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanWrite).ToList();

        described.EnumerateObject().Select(p => p.Name).Should().BeEquivalentTo(settable.Select(p => p.Name),
            $"the schema of '{path}' must list exactly the settings of {type.Name}");
        schema.GetProperty("additionalProperties").GetBoolean().Should().BeFalse($"'{path}' must not accept unknown keys");

        foreach (var property in settable)
        {
            var entry = described.GetProperty(property.Name);
            entry.GetProperty("description").GetString().Should().NotBeNullOrWhiteSpace($"{path}:{property.Name} needs a description");
            entry.TryGetProperty("type", out _).Should().BeTrue($"{path}:{property.Name} needs a type");
            entry.TryGetProperty("default", out var schemaDefault).Should().BeTrue($"{path}:{property.Name} needs a default");
            Normalize(schemaDefault).Should().Be(Normalize(property.GetValue(options)), $"the default of {path}:{property.Name} must match {type.Name}");
        }
    }

    private static string Normalize(object? value) => value switch
    {
        null => "null",
        JsonElement { ValueKind: JsonValueKind.Null } => "null",
        JsonElement { ValueKind: JsonValueKind.Array } e => "[" + string.Join(",", e.EnumerateArray().Select(x => Normalize(x))) + "]",
        JsonElement { ValueKind: JsonValueKind.True } => "True",
        JsonElement { ValueKind: JsonValueKind.False } => "False",
        JsonElement e => e.ToString(),
        TimeSpan t => t.ToString("c", CultureInfo.InvariantCulture),
        bool b => b.ToString(),
        string s => s,
        IEnumerable list => "[" + string.Join(",", list.Cast<object>().Select(Normalize)) + "]",
        _ => Convert.ToString(value, CultureInfo.InvariantCulture) ?? "null",
    };

    private static JsonElement Schema() =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(RepoRoot(), "appsettings.schema.json"))).RootElement;

    // The source file's own path finds the repository, wherever the build output went.
    internal static string RepoRoot([System.Runtime.CompilerServices.CallerFilePath] string source = "")
    {
        var directory = new DirectoryInfo(Path.GetDirectoryName(source)!);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Educloud.Idp.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("Repository root not found.");
    }
}
