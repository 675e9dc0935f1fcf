using System.Diagnostics;

namespace Educloud.Idp.Tests.Keys;

/// <summary>Keys made with the real openssl, as an operator makes them.</summary>
internal static class Openssl
{
    /// <summary>Runs <c>openssl {command} -out {new file in folder}</c>; the file's path.</summary>
    public static string NewKey(string folder, string command)
    {
        var path = Path.Combine(folder, Guid.NewGuid().ToString("N") + ".pem");
        var start = new ProcessStartInfo("openssl") { RedirectStandardError = true, RedirectStandardOutput = true };
        // The output first, after the command: genrsa takes its options before the key size.
        var arguments = command.Split(' ');
        start.ArgumentList.Add(arguments[0]);
        start.ArgumentList.Add("-out");
        start.ArgumentList.Add(path);
        foreach (var argument in arguments.Skip(1))
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        process.ExitCode.Should().Be(0, $"openssl {command}: {error}");
        return path;
    }
}
