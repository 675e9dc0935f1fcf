using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Educloud.Idp.Tests.Deploy;

/// <summary>Which of our two apps a container runs.</summary>
public enum DeployedApp
{
    Idp,
    Console,
}

/// <summary>The settings one container of ours is given (environment variable names), and where.</summary>
public sealed record ContainerSettings(string Where, DeployedApp App, IReadOnlyList<string> Keys);

/// <summary>
/// Reads the settings that deploy/ passes to the IdP and the console (compose environment, Kubernetes
/// env, envFrom and kustomize generators) and checks each against appsettings.schema.json.
/// </summary>
public static class DeploySettings
{
    /// <summary>
    /// Variables that are not app settings but the runtime's or the host's, by exact name (a typo in
    /// one is as unknown as in a setting). The IdP never gets ASPNETCORE_FORWARDEDHEADERS_ENABLED:
    /// it would believe forwarded headers from anyone, past ForwardedHeaders:TrustedProxies.
    /// </summary>
    public static readonly IReadOnlyDictionary<DeployedApp, HashSet<string>> RuntimeVariables = new Dictionary<DeployedApp, HashSet<string>>
    {
        [DeployedApp.Idp] = new(StringComparer.Ordinal)
        {
            "ASPNETCORE_ENVIRONMENT", "ASPNETCORE_URLS", "ASPNETCORE_HTTP_PORTS", "SSL_CERT_FILE", "DOTNET_gcServer",
            "OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_PROTOCOL", "OTEL_EXPORTER_OTLP_HEADERS", "OTEL_SERVICE_NAME",
        },
        [DeployedApp.Console] = new(StringComparer.Ordinal)
        {
            "ASPNETCORE_ENVIRONMENT", "ASPNETCORE_URLS", "ASPNETCORE_HTTP_PORTS", "SSL_CERT_FILE", "ASPNETCORE_FORWARDEDHEADERS_ENABLED",
        },
    };

    /// <summary>The keys among <paramref name="container"/>'s that the schema does not know for its app.</summary>
    public static IEnumerable<string> Unknown(ContainerSettings container, JsonElement schema) =>
        container.Keys.Where(key => !RuntimeVariables[container.App].Contains(key) && !IsSetting(container.App, key, schema));

    /// <summary>Section__Key[__n__Key...] walked down the schema, case-sensitively; it must end at a setting, not a section.</summary>
    public static bool IsSetting(DeployedApp app, string key, JsonElement schema)
    {
        var path = key.Split("__");
        // The schema covers both apps: the console reads only its section "Idp" (and Logging), the IdP never reads "Idp".
        if (path[0] != "Logging" && (path[0] == "Idp") != (app == DeployedApp.Console))
        {
            return false;
        }

        var node = schema;
        foreach (var segment in path)
        {
            if (node.TryGetProperty("properties", out var properties))
            {
                if (!properties.TryGetProperty(segment, out node))
                {
                    return false;
                }
            }
            else if (node.TryGetProperty("items", out var items) && int.TryParse(segment, out var index) && index >= 0)
            {
                node = items;
            }
            else
            {
                // A free-form section (Logging): anything below it is the framework's.
                return node.TryGetProperty("type", out var type) && type.GetString() == "object" && !node.TryGetProperty("additionalProperties", out _);
            }
        }

        // A section or a list itself is not a setting (a list is given item by item: Key__0).
        return !node.TryGetProperty("properties", out _) && !node.TryGetProperty("items", out _);
    }

    /// <summary>The containers of our images in a compose file (other images, PostgreSQL and nginx, are not ours to check).</summary>
    public static List<ContainerSettings> FromCompose(string yaml)
    {
        var root = Load(yaml).Single();
        var found = new List<ContainerSettings>();
        foreach (var (name, service) in Mapping(Get(root, "services")!).Select(e => (((YamlScalarNode)e.Key).Value!, (YamlMappingNode)e.Value)))
        {
            var image = Scalar(Get(service, "image")) ?? "";
            if (AppOf(image) is not { } app)
            {
                continue;
            }

            var keys = Get(service, "environment") switch
            {
                YamlMappingNode map => Mapping(map).Select(e => ((YamlScalarNode)e.Key).Value!).ToList(),
                YamlSequenceNode list => list.Children.Select(item => Scalar(item)!.Split('=')[0]).ToList(),
                _ => [],
            };
            found.Add(new ContainerSettings($"compose service '{name}'", app, keys));
        }

        return found;
    }

    /// <summary>
    /// The containers of our images in a kustomize folder (its resources that are files in it), with
    /// the keys of the ConfigMaps and Secrets they take with envFrom, from the folder's generators.
    /// </summary>
    public static List<ContainerSettings> FromKustomize(string directory)
    {
        var kustomization = Load(File.ReadAllText(Path.Combine(directory, "kustomization.yaml"))).Single();
        var generated = GeneratorLiterals(kustomization);
        var found = new List<ContainerSettings>();
        var resources = Get(kustomization, "resources") is YamlSequenceNode list ? list.Children.Select(r => Scalar(r)!) : [];
        foreach (var file in resources.Select(r => Path.Combine(directory, r)).Where(File.Exists))
        {
            foreach (var document in Load(File.ReadAllText(file)))
            {
                var kind = Scalar(Get(document, "kind"));
                var name = Scalar(Get(Get(document, "metadata"), "name"));
                var pod = kind switch
                {
                    "Deployment" or "Job" => Get(Get(Get(document, "spec"), "template"), "spec"),
                    _ => null,
                };
                if (pod is null)
                {
                    continue;
                }

                foreach (var container in Containers(pod))
                {
                    if (AppOf(Scalar(Get(container, "image")) ?? "") is not { } app)
                    {
                        continue;
                    }

                    var keys = new List<string>();
                    if (Get(container, "env") is YamlSequenceNode env)
                    {
                        keys.AddRange(env.Children.Select(e => Scalar(Get(e, "name"))!));
                    }

                    if (Get(container, "envFrom") is YamlSequenceNode envFrom)
                    {
                        foreach (var source in envFrom.Children)
                        {
                            var reference = Scalar(Get(Get(source, "configMapRef"), "name")) ?? Scalar(Get(Get(source, "secretRef"), "name"))!;
                            generated.TryGetValue(reference, out var literals).Should().BeTrue($"{kind} '{name}' takes envFrom '{reference}', which {directory}/kustomization.yaml must generate");
                            keys.AddRange(literals!);
                        }
                    }

                    found.Add(new ContainerSettings($"{Path.GetFileName(file)}: {kind} '{name}', container '{Scalar(Get(container, "name"))}'", app, keys));
                }
            }
        }

        return found;
    }

    /// <summary>The literal keys of a kustomization's configMapGenerator and secretGenerator entries, by name.</summary>
    public static Dictionary<string, List<string>> GeneratorLiterals(YamlNode kustomization)
    {
        var generated = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var generator in new[] { "configMapGenerator", "secretGenerator" })
        {
            if (Get(kustomization, generator) is not YamlSequenceNode entries)
            {
                continue;
            }

            foreach (var entry in entries.Children)
            {
                var literals = Get(entry, "literals") is YamlSequenceNode list ? list.Children.Select(l => Scalar(l)!.Split('=')[0]).ToList() : [];
                generated[Scalar(Get(entry, "name"))!] = literals;
            }
        }

        return generated;
    }

    /// <summary>KEY=VALUE lines (comments and blank lines skipped): the keys.</summary>
    public static List<string> FromEnvFile(string text) =>
        text.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#')).Select(l => l.Split('=')[0]).ToList();

    private static DeployedApp? AppOf(string image) =>
        image.Contains("educloud-idp-console", StringComparison.Ordinal) ? DeployedApp.Console
        : image.Contains("educloud-idp", StringComparison.Ordinal) ? DeployedApp.Idp
        : null;

    private static IEnumerable<YamlNode> Containers(YamlNode pod) =>
        new[] { "initContainers", "containers" }.SelectMany(k => Get(pod, k) is YamlSequenceNode list ? list.Children : []);

    /// <summary>
    /// Each YAML document as JSON: plain scalars true/false and integers typed as YAML 1.2's core
    /// schema types them, everything else (and anything quoted) a string; merge keys resolved.
    /// </summary>
    public static List<JsonElement> JsonDocuments(string yaml) =>
        Load(yaml).Select(d => JsonDocument.Parse(ToJson(d)!.ToJsonString()).RootElement.Clone()).ToList();

    private static JsonNode? ToJson(YamlNode node) => node switch
    {
        YamlMappingNode => new JsonObject(Mapping(node).Select(e => KeyValuePair.Create(Scalar(e.Key)!, ToJson(e.Value)))),
        YamlSequenceNode list => new JsonArray([.. list.Children.Select(ToJson)]),
        YamlScalarNode { Style: ScalarStyle.Plain, Value: "true" or "false" } flag => JsonValue.Create(flag.Value == "true"),
        YamlScalarNode { Style: ScalarStyle.Plain } plain when long.TryParse(plain.Value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var number) => JsonValue.Create(number),
        YamlScalarNode { Style: ScalarStyle.Plain, Value: "null" or "~" or "" } => null,
        YamlScalarNode scalar => JsonValue.Create(scalar.Value),
        _ => null,
    };

    public static List<YamlNode> Load(string yaml)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        return stream.Documents.Select(d => d.RootNode).Where(n => n is YamlMappingNode).ToList();
    }

    /// <summary>A mapping's entries with YAML merge keys (&lt;&lt;: *anchor) resolved: own keys win.</summary>
    private static List<KeyValuePair<YamlNode, YamlNode>> Mapping(YamlNode node)
    {
        var own = ((YamlMappingNode)node).Children.Where(e => Scalar(e.Key) != "<<").ToList();
        var merged = ((YamlMappingNode)node).Children.Where(e => Scalar(e.Key) == "<<")
            .SelectMany(e => e.Value is YamlSequenceNode many ? many.Children : [e.Value])
            .SelectMany(Mapping)
            .Where(e => own.All(o => Scalar(o.Key) != Scalar(e.Key)));
        return [.. own, .. merged];
    }

    private static YamlNode? Get(YamlNode? node, string key) =>
        node is YamlMappingNode ? Mapping(node).FirstOrDefault(e => Scalar(e.Key) == key).Value : null;

    private static string? Scalar(YamlNode? node) => (node as YamlScalarNode)?.Value;
}
