using System.Diagnostics;

namespace Educloud.Idp.Tests.Infrastructure;

/// <summary>Runs an independent tool (oathtool, zbarimg). A missing tool fails the test: never a skip.</summary>
public static class ExternalTool
{
    public static string Run(string tool, params string[] arguments)
    {
        var start = new ProcessStartInfo(tool) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException($"{tool} did not start.");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException($"'{tool}' is not installed; run ./scripts/test.sh, which installs it.", e);
        }

        using (process)
        {
            var output = process.StandardOutput.ReadToEnd();
            var error = process.StandardError.ReadToEnd();
            process.WaitForExit(30_000).Should().BeTrue($"{tool} should finish");
            process.ExitCode.Should().Be(0, $"{tool} failed: {error}");
            return output.Trim();
        }
    }
}
