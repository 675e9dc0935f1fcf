using Microsoft.Extensions.Options;

namespace Educloud.Idp.Settings;

/// <summary>A setting that cannot work (a key file that holds no usable key, ...); the message names the key.</summary>
public sealed class SettingsException(string message) : InvalidOperationException(message);

/// <summary>
/// A wrong setting stops the IdP with one message that names the key to fix, on stderr, and exit
/// code 1: not an unhandled exception with a stack trace, which reads like a bug in the IdP and
/// hides the one line that matters. Any other unhandled exception is left to the runtime as before.
/// </summary>
public static class SettingsFailure
{
    private static int installed;

    public static void ReportWithoutStackTrace()
    {
        if (Interlocked.Exchange(ref installed, 1) == 0)
        {
            AppDomain.CurrentDomain.UnhandledException += (_, e) =>
            {
                if (Describe(e.ExceptionObject as Exception) is { } message)
                {
                    Console.Error.WriteLine("Educloud IdP did not start, a setting must be fixed:" + Environment.NewLine + message);
                    Environment.Exit(1);
                }
            };
        }
    }

    /// <summary>The messages of a settings failure, one per line; null for any other exception.</summary>
    public static string? Describe(Exception? exception) => exception switch
    {
        SettingsException settings => settings.Message,
        OptionsValidationException options => string.Join(Environment.NewLine, options.Failures),
        AggregateException { InnerExceptions.Count: > 0 } all when all.InnerExceptions.All(e => Describe(e) is not null) =>
            string.Join(Environment.NewLine, all.InnerExceptions.Select(e => Describe(e))),
        _ => null,
    };
}
