using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Educloud.Idp.Testing;

/// <summary>
/// A server of ours (the IdP, a replica, the simulator) as a real child process: the one launcher of
/// the end-to-end tests, the benchmarks and the topology tests (linked into each from tests/Shared).
/// Started with an exact environment (nothing of the test runner's own ASPNETCORE_/DOTNET_ settings
/// leaks in), every line of stdout and stderr kept, ready when a URL answers 200 (bounded poll of a
/// real process), stopped with a kill of the whole process tree, also when the test host ends
/// without disposing it.
/// </summary>
public sealed class ServerProcess : IAsyncDisposable
{
    private readonly Process process;
    private readonly ConcurrentQueue<string> output = new();
    private readonly Stopwatch sinceLastLine = Stopwatch.StartNew();
    private readonly Action<string>? onLine;
    private int lines;
    private int disposed;

    private ServerProcess(string name, Process process, Action<string>? onLine)
    {
        Name = name;
        this.process = process;
        this.onLine = onLine;
    }

    /// <summary>A short name for messages ("idp", "replica-1").</summary>
    public string Name { get; }

    public int Id => process.Id;

    public bool HasExited => process.HasExited;

    /// <summary>CPU time (user + system) the process has used so far.</summary>
    public TimeSpan CpuTime
    {
        get
        {
            process.Refresh();
            return process.TotalProcessorTime;
        }
    }

    /// <summary>How many lines the process has written so far (a mark for <see cref="OutputSince"/>).</summary>
    public int OutputMark => Volatile.Read(ref lines);

    /// <summary>Everything the process wrote so far (stdout and stderr, in arrival order).</summary>
    public string Output => OutputSince(0);

    /// <param name="program">An executable, or a .dll run by the dotnet host that runs the tests.</param>
    /// <param name="environment">Set on top of the runner's environment, after its ASPNETCORE_ and DOTNET_ variables are removed.</param>
    /// <param name="workingDirectory">By default the program's folder (for an ASP.NET Core app: its content root, appsettings*.json).</param>
    /// <param name="onLine">Sees every line as it arrives (a log file, a count of warnings).</param>
    public static ServerProcess Start(
        string name,
        string program,
        IEnumerable<string> arguments,
        IReadOnlyDictionary<string, string> environment,
        string? workingDirectory = null,
        Action<string>? onLine = null)
    {
        // A path is made absolute: the working directory below is not the caller's.
        if (program.Contains(Path.DirectorySeparatorChar, StringComparison.Ordinal) || program.Contains('/', StringComparison.Ordinal))
        {
            program = Path.GetFullPath(program);
        }

        var dll = program.EndsWith(".dll", StringComparison.OrdinalIgnoreCase);
        var start = new ProcessStartInfo(dll ? DotnetHost() : program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Path.GetDirectoryName(Path.GetFullPath(program)) ?? "/",
        };
        if (dll)
        {
            start.ArgumentList.Add(program);
        }

        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var inherited in start.Environment.Keys
            .Where(k => k.StartsWith("ASPNETCORE_", StringComparison.Ordinal) || (k.StartsWith("DOTNET_", StringComparison.Ordinal) && k != "DOTNET_ROOT"))
            .ToList())
        {
            start.Environment.Remove(inherited);
        }

        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        var server = new ServerProcess(name, process, onLine);
        process.OutputDataReceived += (_, e) => server.Collect(e.Data);
        process.ErrorDataReceived += (_, e) => server.Collect(e.Data);
        if (!process.Start())
        {
            throw new InvalidOperationException($"Could not start {name}: {start.FileName}.");
        }

        AppDomain.CurrentDomain.ProcessExit += server.KillOnExit;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return server;
    }

    /// <summary>Runs a command to its end: its output, or an exception naming the command and what it wrote.</summary>
    public static async Task<string> RunAsync(string program, IEnumerable<string> arguments, IReadOnlyDictionary<string, string>? environment = null, string? workingDirectory = null, TimeSpan? limit = null)
    {
        var argumentList = arguments.ToList();
        await using var child = Start(Path.GetFileName(program), program, argumentList, environment ?? new Dictionary<string, string>(), workingDirectory);
        using var timeout = new CancellationTokenSource(limit ?? TimeSpan.FromMinutes(2));
        await child.process.WaitForExitAsync(timeout.Token);
        return child.process.ExitCode == 0
            ? child.Output
            : throw new InvalidOperationException($"{program} {string.Join(' ', argumentList)} exited with {child.process.ExitCode}:\n{child.Output}");
    }

    /// <summary>
    /// Polls <paramref name="url"/> (e.g. /health/ready) until it answers 200, failing early with
    /// everything the process wrote when it exits first or the bounded wait runs out.
    /// </summary>
    /// <param name="handler">How to reach it (e.g. a pinned TLS certificate); a plain handler when null.</param>
    public async Task WaitUntilReadyAsync(Uri url, TimeSpan limit, HttpMessageHandler? handler = null)
    {
        using var http = handler is null ? new HttpClient() : new HttpClient(handler, disposeHandler: false);
        http.Timeout = TimeSpan.FromSeconds(5);
        var watch = Stopwatch.StartNew();
        var last = "no answer yet";
        while (watch.Elapsed < limit)
        {
            if (process.HasExited)
            {
                // Let the output readers drain what the process wrote before it died.
                await process.WaitForExitAsync();
                throw Failure($"{Name} exited with code {process.ExitCode} before it answered {url}.");
            }

            try
            {
                using var response = await http.GetAsync(url);
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }

                last = $"HTTP {(int)response.StatusCode}";
            }
            catch (HttpRequestException e)
            {
                last = e.Message;
            }
            catch (TaskCanceledException)
            {
                last = "timed out";
            }

            // A short poll interval, not a fixed wait: the loop ends as soon as the process answers.
            await Task.Delay(TimeSpan.FromMilliseconds(100));
        }

        throw Failure($"{Name} did not answer 200 at {url} within {limit.TotalSeconds:0} s (last: {last}).");
    }

    /// <summary>Waits (bounded) for the process to end by itself; its exit code.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan limit)
    {
        using var timeout = new CancellationTokenSource(limit);
        await process.WaitForExitAsync(timeout.Token);
        return process.ExitCode;
    }

    /// <summary>What the process wrote after <paramref name="mark"/> (from <see cref="OutputMark"/>).</summary>
    public string OutputSince(int mark) => string.Join('\n', output.Skip(mark));

    /// <summary>
    /// Waits (at most <paramref name="limit"/>) until the process has written nothing for
    /// <paramref name="quiet"/>: a console logger writes from a background queue, so the log lines
    /// of a request can arrive just after the response.
    /// </summary>
    public async Task WaitForQuietOutputAsync(TimeSpan quiet, TimeSpan limit)
    {
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < limit && SinceLastLine < quiet)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(50));
        }
    }

    /// <summary>SIGKILL of the whole tree: no shutdown, requests in flight are cut, as when a machine or container dies.</summary>
    public async Task KillAsync()
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        await process.WaitForExitAsync(timeout.Token);
    }

    public static int FreeTcpPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>The dotnet host that runs these tests (set by the SDK), else the one on PATH.</summary>
    public static string DotnetHost() =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet";

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref disposed, 1) == 1)
        {
            return;
        }

        AppDomain.CurrentDomain.ProcessExit -= KillOnExit;
        try
        {
            await KillAsync();
        }
        catch (InvalidOperationException)
        {
            // Never started: nothing to stop.
        }

        process.Dispose();
    }

    private TimeSpan SinceLastLine
    {
        get
        {
            lock (sinceLastLine)
            {
                return sinceLastLine.Elapsed;
            }
        }
    }

    private void Collect(string? line)
    {
        if (line is null)
        {
            return;
        }

        output.Enqueue(line);
        Interlocked.Increment(ref lines);
        lock (sinceLastLine)
        {
            sinceLastLine.Restart();
        }

        onLine?.Invoke(line);
    }

    private InvalidOperationException Failure(string message) =>
        new(new StringBuilder(message)
            .Append("\nCommand: ").Append(process.StartInfo.FileName).Append(' ').AppendJoin(' ', process.StartInfo.ArgumentList)
            .Append('\n').Append(Name).Append(" wrote:\n").Append(Output)
            .ToString());

    private void KillOnExit(object? sender, EventArgs e)
    {
        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
    }
}
