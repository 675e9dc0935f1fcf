extern alias console;

using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;
using console::Educloud.Idp.Admin.Api;
using Educloud.Idp.Tests.Infrastructure;

namespace Educloud.Idp.Admin.Tests;

/// <summary>
/// The console keeps its own copy of the admin API's shapes (src/Admin/Api/AdminApiModels.cs; it
/// never references the IdP). The IdP's /openapi/v1.json is the contract: every console type has a
/// component of the same name, every component a console type, and the two have the same
/// properties with the same JSON types (nullability and format included), as System.Text.Json's web
/// defaults (the console's ReadFromJsonAsync and the API's) write and read them.
/// </summary>
public sealed class ConsoleApiContractTests(IdpFixture fixture) : IClassFixture<IdpFixture>
{
    /// <summary>Console types that are not on the wire: the audit page's filter (it becomes a query string) and the error it carries to its page.</summary>
    private static readonly string[] ConsoleOnly = [nameof(AuditFilter), nameof(AdminApiException)];

    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web) { TypeInfoResolver = new DefaultJsonTypeInfoResolver() };

    [Fact]
    public async Task ConsoleCopyOfTheApiTypes_MatchesTheOpenApiDocument()
    {
        var schemas = await SchemasAsync();

        Differences(ConsoleTypes(), schemas).Should().BeEmpty();
    }

    [Fact]
    public async Task PropertyRenamedOrAddedOnOneSide_IsFound()
    {
        // The check itself must fail when the copies drift: the API renames a property, the API
        // adds one, the console adds one (its own ReasonRequest with a field the API does not know).
        var schemas = await SchemasAsync();
        var renamed = (JsonObject)schemas["UserSummary"]!["properties"]!;
        renamed["userLogin"] = renamed["userName"]!.DeepClone();
        renamed.Remove("userName");
        ((JsonObject)schemas["AppInfo"]!["properties"]!)["owner"] = new JsonObject { ["type"] = "string" };
        ((JsonObject)schemas["EnrollmentCodeResponse"]!["properties"]!)["expiresAt"] = new JsonObject { ["type"] = "string" };

        Differences(ConsoleTypes(), schemas).Should().BeEquivalentTo(
            "UserSummary.userName: only in the console",
            "UserSummary.userLogin: only in the API",
            "AppInfo.owner: only in the API",
            "EnrollmentCodeResponse.expiresAt: the console has string(date-time), the API string");
        Differences([typeof(ReasonRequestWithMore)], await SchemasAsync(), componentName: "ReasonRequest")
            .Should().Equal("ReasonRequest.ticket: only in the console");
    }

    /// <summary>A console copy with a property the API does not have (as if added on the console's side only).</summary>
    private sealed record ReasonRequestWithMore(string? Reason, string? Ticket);

    private static List<Type> ConsoleTypes() =>
        [.. typeof(AdminApiClient).Assembly.GetTypes()
            .Where(t => t.IsPublic && t.Namespace == typeof(AdminApiClient).Namespace && !ConsoleOnly.Contains(t.Name)
                && t != typeof(AdminApiClient) && t != typeof(AdminApiErrorFilter))];

    private async Task<JsonObject> SchemasAsync()
    {
        using var client = fixture.Idp.NewBackchannel();
        var document = JsonNode.Parse(await client.GetStringAsync("/openapi/v1.json"))!;
        return (JsonObject)document["components"]!["schemas"]!;
    }

    /// <param name="componentName">The component to compare a single type with (default: each type's own name).</param>
    private static List<string> Differences(IReadOnlyList<Type> types, JsonObject schemas, string? componentName = null)
    {
        var differences = new List<string>();
        foreach (var type in types)
        {
            var name = componentName ?? type.Name;
            if (schemas[name] is not JsonObject schema)
            {
                differences.Add($"{name}: only in the console");
                continue;
            }

            var apiProperties = ((JsonObject)schema["properties"]!).ToDictionary(p => p.Key, p => Describe(p.Value!));
            var consoleProperties = Web.GetTypeInfo(type).Properties
                // What is read from JSON; computed properties (Name, Editable, ...) are the console's own.
                .Where(p => p.AssociatedParameter is not null || p.Set is not null)
                .ToDictionary(p => p.Name, p => Describe(p.PropertyType, new NullabilityInfoContext().Create((PropertyInfo)p.AttributeProvider!)));
            foreach (var (property, described) in consoleProperties)
            {
                if (!apiProperties.TryGetValue(property, out var api))
                {
                    differences.Add($"{name}.{property}: only in the console");
                }
                else if (api != described)
                {
                    differences.Add($"{name}.{property}: the console has {described}, the API {api}");
                }
            }

            differences.AddRange(apiProperties.Keys.Except(consoleProperties.Keys).Select(property => $"{name}.{property}: only in the API"));
        }

        if (componentName is null)
        {
            differences.AddRange(schemas.Select(s => s.Key).Except(types.Select(t => t.Name)).Select(component => $"{component}: only in the API"));
        }

        return differences;
    }

    /// <summary>A CLR type as JSON: "string?(date-time)", "array<ref UserSummary>", "integer(int32)".</summary>
    private static string Describe(Type type, NullabilityInfo nullability)
    {
        var nullable = Nullable.GetUnderlyingType(type) is not null || (!type.IsValueType && nullability.ReadState == NullabilityState.Nullable);
        type = Nullable.GetUnderlyingType(type) ?? type;
        var (core, format) = type switch
        {
            _ when type == typeof(string) => ("string", null),
            _ when type == typeof(bool) => ("boolean", null),
            _ when type == typeof(int) => ("integer", "int32"),
            _ when type == typeof(long) => ("integer", "int64"),
            _ when type == typeof(DateTimeOffset) => ("string", "date-time"),
            _ when type == typeof(Guid) => ("string", "uuid"),
            _ when type.IsGenericType && type.GetInterfaces().Append(type).Any(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IEnumerable<>)) =>
                ($"array<{Describe(type.GetGenericArguments()[0], nullability.GenericTypeArguments[0])}>", null),
            _ when type.Namespace == typeof(AdminApiClient).Namespace => ("ref " + type.Name, (string?)null),
            _ => ("unmapped " + type.FullName, null),
        };
        return core + (nullable ? "?" : "") + (format is null ? "" : $"({format})");
    }

    /// <summary>A schema in the same words: types other than "null" (and the "string" that numbers may also be read from), format, items, $ref.</summary>
    private static string Describe(JsonNode schema)
    {
        if (schema["$ref"] is { } reference)
        {
            return "ref " + reference.GetValue<string>().Split('/')[^1];
        }

        if (schema["oneOf"] is JsonArray oneOf)
        {
            var options = oneOf.Select(o => Describe(o!)).Where(o => o != "null").ToList();
            return options.Count == 1 && oneOf.Count == 2 ? options[0] + "?" : "oneOf " + string.Join("|", options);
        }

        var types = schema["type"] switch
        {
            JsonArray array => array.Select(t => t!.GetValue<string>()).ToList(),
            { } single => [single.GetValue<string>()],
            null => [],
        };
        var nullable = types.Remove("null");
        if (types.Contains("integer") || types.Contains("number"))
        {
            types.Remove("string");
        }

        var described = string.Join("|", types);
        if (schema["items"] is { } items)
        {
            described += $"<{Describe(items)}>";
        }

        return described + (nullable ? "?" : "") + (schema["format"] is { } format ? $"({format.GetValue<string>()})" : "");
    }
}
