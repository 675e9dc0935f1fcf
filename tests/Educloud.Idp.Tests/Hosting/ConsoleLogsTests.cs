using System.Text.Json;
using Educloud.Idp.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Console;
using Microsoft.Extensions.Options;

namespace Educloud.Idp.Tests.Hosting;

/// <summary>
/// Issue 10 item 6: outside Development the console log is one JSON object per event and line; the
/// redaction of secret-bearing levels still holds; Development keeps the simple console.
/// </summary>
public sealed class ConsoleLogsTests
{
    [Fact]
    public void Production_WritesEachEventAsOneJsonLine()
    {
        using var idp = new ProductionIdp(ProductionIdp.Starting());
        _ = idp.Server;

        var writer = new StringWriter { NewLine = "\n" };
        var formatter = ConsoleFormatterOf(idp.Services);
        Write(formatter, writer, LogLevel.Warning, 2101, "first line\nsecond line", new InvalidOperationException("boom"));
        Write(formatter, writer, LogLevel.Information, 2102, "another event", null);

        var lines = writer.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        lines.Should().HaveCount(2, "one line per event, even with a line break in the message and a stack trace");
        var first = JsonDocument.Parse(lines[0]).RootElement;
        first.GetProperty("LogLevel").GetString().Should().Be("Warning");
        first.GetProperty("EventId").GetInt32().Should().Be(2101);
        first.GetProperty("Category").GetString().Should().Be("Educloud.Idp.Tests.ConsoleLogs");
        first.GetProperty("Message").GetString().Should().Be("first line\nsecond line");
        first.GetProperty("Exception").GetString().Should().Contain("boom");
        DateTimeOffset.Parse(first.GetProperty("Timestamp").GetString()!, System.Globalization.CultureInfo.InvariantCulture)
            .Offset.Should().Be(TimeSpan.Zero, "timestamps are UTC");
        JsonDocument.Parse(lines[1]).RootElement.GetProperty("EventId").GetInt32().Should().Be(2102);
    }

    [Fact]
    public void Production_OperatorAsksForTrace_SecretBearingLevelsStayClosedForTheConsole()
    {
        using var idp = new ProductionIdp(ProductionIdp.Starting(new Dictionary<string, string>
        {
            ["Logging:LogLevel:Default"] = "Trace",
            ["Logging:Console:LogLevel:Default"] = "Trace",
        }));
        _ = idp.Server;
        idp.Services.GetServices<ILoggerProvider>().Should().ContainSingle(p => p is ConsoleLoggerProvider);
        var loggers = idp.Services.GetRequiredService<ILoggerFactory>();

        loggers.CreateLogger("OpenIddict.Server.OpenIddictServerDispatcher").IsEnabled(LogLevel.Trace).Should().BeFalse();
        loggers.CreateLogger("Microsoft.AspNetCore.Hosting.Diagnostics").IsEnabled(LogLevel.Information).Should().BeFalse();
        loggers.CreateLogger("Educloud.Idp.Federation.UserDirectory").IsEnabled(LogLevel.Trace).Should().BeTrue();
    }

    [Fact]
    public void Development_KeepsTheSimpleConsole()
    {
        using var idp = new IdpHost();
        _ = idp.Server;

        ConsoleFormatterOf(idp.Services).Name.Should().Be(ConsoleFormatterNames.Simple);
    }

    /// <summary>The formatter the console logger uses, as it picks it: by the configured name, simple when none.</summary>
    private static ConsoleFormatter ConsoleFormatterOf(IServiceProvider services)
    {
        var name = services.GetRequiredService<IOptionsMonitor<ConsoleLoggerOptions>>().CurrentValue.FormatterName ?? ConsoleFormatterNames.Simple;
        return services.GetServices<ConsoleFormatter>().Single(f => f.Name == name);
    }

    private static void Write(ConsoleFormatter formatter, TextWriter writer, LogLevel level, int eventId, string message, Exception? exception) =>
        formatter.Write(new LogEntry<string>(level, "Educloud.Idp.Tests.ConsoleLogs", new EventId(eventId), message, exception, (state, _) => state),
            new LoggerExternalScopeProvider(), writer);
}
