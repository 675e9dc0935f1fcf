using System.Globalization;

namespace Educloud.Idp.Benchmarks;

/// <summary>A process's resident memory from /proc/PID/status, in MiB: its peak so far (VmHWM) and now (VmRSS).</summary>
public sealed record ProcessMemory(double PeakMebibytes, double CurrentMebibytes)
{
    /// <summary>The sum over <paramref name="processIds"/> (replicas): null where /proc cannot tell (not Linux, process gone).</summary>
    public static ProcessMemory? Read(IEnumerable<int> processIds)
    {
        double peak = 0, current = 0;
        foreach (var id in processIds)
        {
            var status = $"/proc/{id.ToString(CultureInfo.InvariantCulture)}/status";
            if (!File.Exists(status))
            {
                return null;
            }

            foreach (var line in File.ReadLines(status))
            {
                // "VmHWM:     123456 kB"
                if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                {
                    peak += Kibibytes(line) / 1024.0;
                }
                else if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                {
                    current += Kibibytes(line) / 1024.0;
                }
            }
        }

        return new ProcessMemory(peak, current);
    }

    private static long Kibibytes(string line) =>
        long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
}
