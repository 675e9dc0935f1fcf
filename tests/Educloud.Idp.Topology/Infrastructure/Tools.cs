namespace Educloud.Idp.Topology.Infrastructure;

/// <summary>The programs the topology needs; a missing one fails the test (never a skip) with how to install it.</summary>
public static class Tools
{
    private static readonly string[] Searched = ["/usr/sbin", "/usr/bin", "/usr/local/sbin", "/usr/local/bin"];

    public static string Require(string name)
    {
        var path = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Concat(Searched)
            .Select(folder => Path.Combine(folder, name))
            .FirstOrDefault(File.Exists);
        return path ?? throw new InvalidOperationException(
            $"'{name}' is not installed; the topology test needs it. Run ./scripts/test.sh (it installs nginx, openssl and postgresql with apt-get).");
    }
}
