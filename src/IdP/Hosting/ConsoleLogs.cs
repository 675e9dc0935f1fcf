using System.Text.Json;

namespace Educloud.Idp.Hosting;

/// <summary>
/// Outside Development the console log is JSON, one object per line (timestamp in UTC, level,
/// category, event id, message, the message's named values, scopes such as TraceId and RequestPath,
/// and the exception as one escaped string), so a log collector (Loki, Elasticsearch, a cloud log
/// service) reads each event whole and by field. Development keeps the readable simple console.
/// What may be written is decided before any formatter runs: LogRedaction's filters and the
/// [LoggerMessage] definitions, whose values the leak tests check, hold for this provider too.
/// </summary>
public static class ConsoleLogs
{
    public static WebApplicationBuilder AddIdpConsoleLogs(this WebApplicationBuilder builder)
    {
        if (builder.Environment.IsDevelopment())
        {
            return builder;
        }

        builder.Logging.AddJsonConsole(options =>
        {
            options.IncludeScopes = true;
            options.UseUtcTimestamp = true;
            options.TimestampFormat = "yyyy-MM-dd'T'HH:mm:ss.fff'Z'";
            options.JsonWriterOptions = new JsonWriterOptions { Indented = false };
        });
        return builder;
    }
}
