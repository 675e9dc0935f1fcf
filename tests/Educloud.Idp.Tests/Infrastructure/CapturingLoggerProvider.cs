using System.Collections;
using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Educloud.Idp.Tests.Infrastructure;

/// <summary>
/// Keeps every log line (all levels that reach it) and every structured state value, so tests can
/// check that no secret was ever logged, whether in the message or only in its properties.
/// </summary>
public sealed class CapturingLoggerProvider : ILoggerProvider
{
    private readonly ConcurrentQueue<string> lines = new();

    private readonly ConcurrentQueue<string> values = new();

    public IReadOnlyCollection<string> Lines => lines;

    /// <summary>The structured state of every entry (each property's value, collections flattened), and scope values.</summary>
    public IReadOnlyCollection<string> StateValues => values;

    public ILogger CreateLogger(string categoryName) => new Logger(categoryName, lines, values);

    public void Dispose()
    {
    }

    private sealed class Logger(string category, ConcurrentQueue<string> lines, ConcurrentQueue<string> values) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull
        {
            Capture(state);
            return null;
        }

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            lines.Enqueue($"{logLevel} {category}[{eventId.Id}] {formatter(state, exception)} {exception}");
            Capture(state);
        }

        private void Capture(object? state)
        {
            if (state is IEnumerable<KeyValuePair<string, object?>> properties)
            {
                foreach (var (key, value) in properties)
                {
                    Add(key, value, depth: 0);
                }
            }
            else if (state is not null)
            {
                values.Enqueue(state.ToString() ?? "");
            }
        }

        private void Add(string key, object? value, int depth)
        {
            switch (value)
            {
                case null:
                    return;
                case string text:
                    values.Enqueue($"{key}={text}");
                    return;
                case IEnumerable many when depth < 3:
                    foreach (var item in many)
                    {
                        Add(key, item, depth + 1);
                    }

                    values.Enqueue($"{key}={value}");
                    return;
                default:
                    values.Enqueue($"{key}={value}");
                    return;
            }
        }
    }
}
