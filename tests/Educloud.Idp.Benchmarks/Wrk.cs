using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace Educloud.Idp.Benchmarks;

/// <summary>
/// A cross-check of the load generator: wrk (C, epoll) instead of HttpClient for client_credentials,
/// where every request is the same and a static script suffices. Used only when wrk is installed.
/// Plain HTTP as from a TLS-terminating proxy, like the default HttpClient runs.
/// </summary>
public static partial class Wrk
{
    public static string? Find() =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(d => Path.Combine(d, "wrk"))
            .FirstOrDefault(File.Exists);

    public static async Task<string> ClientCredentialsAsync(string wrk, IdpProcess idp, int connections, TimeSpan duration, string workDirectory)
    {
        var script = Path.Combine(workDirectory, "client-credentials.lua");
        var authorization = LoginDriver.BasicAuthentication(IdpProcess.MachineClientId, idp.MachineSecret).ToString();
        await File.WriteAllTextAsync(script, $$"""
            wrk.method = "POST"
            wrk.body = "grant_type=client_credentials"
            wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
            wrk.headers["Authorization"] = "{{authorization}}"
            wrk.headers["Host"] = "{{idp.Origin.Authority}}"
            wrk.headers["X-Forwarded-Proto"] = "https"
            """);
        var start = new ProcessStartInfo(wrk)
        {
            ArgumentList =
            {
                "-t", Math.Min(connections, 2).ToString(CultureInfo.InvariantCulture),
                "-c", connections.ToString(CultureInfo.InvariantCulture),
                "-d", ((int)Math.Ceiling(duration.TotalSeconds)).ToString(CultureInfo.InvariantCulture) + "s",
                "--latency", "-s", script,
                new Uri(idp.PlainOrigin, "/connect/token").AbsoluteUri,
            },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(start) ?? throw new InvalidOperationException("wrk did not start.");
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(duration + TimeSpan.FromSeconds(30));
        await process.WaitForExitAsync(timeout.Token);
        var text = await output + await errors;
        var rate = RatePattern().Match(text);
        var p50 = Percentile(text, "50%");
        var p99 = Percentile(text, "99%");
        var non2xx = Non2xxPattern().Match(text);
        return $"wrk, {connections} connections: {(rate.Success ? rate.Groups[1].Value : "?")}/s, p50 {p50}, p99 {p99}"
            + (non2xx.Success ? $", {non2xx.Groups[1].Value} non-2xx" : "");
    }

    private static string Percentile(string text, string label)
    {
        var match = Regex.Match(text, "^\\s*" + Regex.Escape(label) + "\\s+(\\S+)", RegexOptions.Multiline | RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
        return match.Success ? match.Groups[1].Value : "?";
    }

    [GeneratedRegex("Requests/sec:\\s+([0-9.]+)", RegexOptions.CultureInvariant, 1000)]
    private static partial Regex RatePattern();

    [GeneratedRegex("Non-2xx or 3xx responses:\\s+([0-9]+)", RegexOptions.CultureInvariant, 1000)]
    private static partial Regex Non2xxPattern();
}
