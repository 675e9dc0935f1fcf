using System.Diagnostics;

namespace Educloud.Idp.EndToEnd.Infrastructure;

/// <summary>Runs an installed tool; a missing one fails the test with the way to install it.</summary>
public static class Tool
{
    public static string Run(string tool, params string[] arguments)
    {
        var start = new ProcessStartInfo(tool) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        try
        {
            using var process = Process.Start(start)!;
            var output = process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            return process.ExitCode == 0
                ? output.Trim()
                : throw new InvalidOperationException($"{tool} failed: {process.StandardError.ReadToEnd()}");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException($"'{tool}' is not installed: run ./scripts/test.sh (it installs it with apt-get).", e);
        }
    }
}
