using Microsoft.Playwright;

namespace Educloud.Idp.EndToEnd.Infrastructure;

/// <summary>
/// Debian's Chromium, driven by Playwright. Playwright's own browser download is never used (it
/// does not work on the build machines); the Node driver ships inside the Microsoft.Playwright package.
/// </summary>
public static class Chromium
{
    public const string DefaultPath = "/usr/bin/chromium";

    public const string InstallCommand = "apt-get update && apt-get install -y chromium";

    /// <summary>Playwright's waits (actions, navigations, expectations): long enough for a cold IdP, short enough to fail fast.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(15);

    // The background-networking flags keep Chromium from calling home, which on a closed network
    // floods the log with failed connections and slows every test down.
    private static readonly string[] Arguments =
    [
        "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
    ];

    /// <summary>CHROMIUM_PATH when set (e.g. Chrome on a developer's machine), else /usr/bin/chromium.</summary>
    public static string ExecutablePath =>
        Environment.GetEnvironmentVariable("CHROMIUM_PATH") is { Length: > 0 } path ? path : DefaultPath;

    public static async Task<IBrowser> LaunchAsync(IPlaywright playwright)
    {
        var path = ExecutablePath;
        if (!File.Exists(path))
        {
            // Never a silent skip: in CI a missing browser is a broken build, and locally the
            // developer learns at once what to install.
            var ci = string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);
            throw new InvalidOperationException(
                $"{(ci ? "CI=true and " : "")}Chromium was not found at '{path}', so the browser end-to-end tests cannot run. " +
                $"Install Debian's Chromium with `{InstallCommand}`, or set CHROMIUM_PATH to a Chromium or Chrome executable. " +
                "(Playwright's own browser download is not used.)");
        }

        return await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = path,
            Headless = true,
            Args = Arguments,
            Timeout = (float)TimeSpan.FromSeconds(30).TotalMilliseconds,
        });
    }
}
