namespace Educloud.Idp.Topology.Infrastructure;

/// <summary>
/// replica.env (next to the tests): the environment of every replica as KEY=VALUE lines with
/// {placeholders}. The deploy files pass the same keys (checked by a test of deploy/).
/// </summary>
public static class ReplicaSettings
{
    public static string FilePath => Path.Combine(AppContext.BaseDirectory, "replica.env");

    /// <summary>The lines of replica.env with every placeholder replaced; an unknown placeholder fails.</summary>
    public static Dictionary<string, string> Read(IReadOnlyDictionary<string, string> values)
    {
        var settings = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var raw in File.ReadAllLines(FilePath))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            var equals = line.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                throw new InvalidOperationException($"replica.env: '{line}' is not KEY=VALUE.");
            }

            var value = line[(equals + 1)..];
            foreach (var (name, replacement) in values)
            {
                value = value.Replace("{" + name + "}", replacement, StringComparison.Ordinal);
            }

            if (value.Contains('{', StringComparison.Ordinal))
            {
                throw new InvalidOperationException($"replica.env: '{line}' has a placeholder the harness does not know.");
            }

            settings[line[..equals]] = value;
        }

        return settings;
    }
}
