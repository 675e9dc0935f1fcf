using System.Globalization;
using System.Runtime.InteropServices;

namespace Educloud.Idp.Benchmarks;

/// <summary>The machine a run was made on: numbers mean nothing without it.</summary>
public sealed record Machine(int Cores, string Cpu, string Memory, string OperatingSystem, string Runtime)
{
    public static Machine Describe()
    {
        var cpu = ReadLines("/proc/cpuinfo")
            .Where(l => l.StartsWith("model name", StringComparison.Ordinal))
            .Select(l => l[(l.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim())
            .FirstOrDefault() ?? RuntimeInformation.ProcessArchitecture.ToString();
        var memory = ReadLines("/proc/meminfo")
            .Where(l => l.StartsWith("MemTotal:", StringComparison.Ordinal))
            .Select(l => long.Parse(l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture))
            .Select(kb => (kb / 1024.0 / 1024.0).ToString("0.0", CultureInfo.InvariantCulture) + " GiB")
            .FirstOrDefault() ?? "unknown";
        var os = ReadLines("/etc/os-release")
            .Where(l => l.StartsWith("PRETTY_NAME=", StringComparison.Ordinal))
            .Select(l => l["PRETTY_NAME=".Length..].Trim('"'))
            .FirstOrDefault() ?? RuntimeInformation.OSDescription;
        return new Machine(
            Environment.ProcessorCount,
            cpu,
            memory,
            $"{os} (kernel {Environment.OSVersion.Version}, {RuntimeInformation.OSArchitecture})",
            RuntimeInformation.FrameworkDescription);
    }

    private static IEnumerable<string> ReadLines(string path) => File.Exists(path) ? File.ReadLines(path) : [];
}
