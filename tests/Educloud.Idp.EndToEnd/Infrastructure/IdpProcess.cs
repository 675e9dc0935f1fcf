using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Reflection;
using System.Text;

namespace Educloud.Idp.EndToEnd.Infrastructure;

/// <summary>
/// The real IdP as a child process, started the way a newcomer runs it:
/// <c>dotnet Educloud.Idp.dll --urls http://host:port</c> in Development, with its own database
/// and keys in a temporary directory; the ID-porten simulator's issuer is left to follow --urls, as a newcomer's would. Everything it writes is kept,
/// so that a failing test can show what the IdP logged.
/// </summary>
public sealed class IdpProcess : IAsyncDisposable
{
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(90);

    private readonly Process process;
    private readonly ConcurrentQueue<string> output = new();
    private readonly string temp;
    private readonly Stopwatch sinceLastLine = Stopwatch.StartNew();
    private int lines;

    private IdpProcess(Process process, string temp, Uri baseUri)
    {
        this.process = process;
        this.temp = temp;
        BaseUri = baseUri;
    }

    /// <summary>http://host:port/ — also the IdP's issuer.</summary>
    public Uri BaseUri { get; }

    /// <summary>How many lines the IdP has written so far (a mark for <see cref="OutputSince"/>).</summary>
    public int OutputMark => Volatile.Read(ref lines);

    public static async Task<IdpProcess> StartAsync(string host, IReadOnlyDictionary<string, string> settings)
    {
        var assembly = IdpAssemblyPath();
        var port = FreeTcpPort();
        var baseUri = new Uri($"http://{host}:{port}/");
        var temp = Directory.CreateTempSubdirectory("educloud-e2e-").FullName;

        var start = new ProcessStartInfo(DotnetHost())
        {
            // The content root (appsettings*.json) is the working directory, as with `cd out && dotnet Educloud.Idp.dll`.
            WorkingDirectory = Path.GetDirectoryName(assembly)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(assembly);
        start.ArgumentList.Add("--urls");
        start.ArgumentList.Add(baseUri.GetLeftPart(UriPartial.Authority));

        // Whatever the test runner's environment says about URLs or environment must not leak in.
        foreach (var name in new[] { "ASPNETCORE_URLS", "ASPNETCORE_HTTP_PORTS", "ASPNETCORE_HTTPS_PORTS", "DOTNET_URLS", "DOTNET_ENVIRONMENT" })
        {
            start.Environment.Remove(name);
        }

        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Development";
        start.Environment["Database__ConnectionString"] = $"Data Source={Path.Combine(temp, "idp.db")}";
        start.Environment["Keys__DevelopmentKeysDirectory"] = Path.Combine(temp, "keys");
        foreach (var (key, value) in settings)
        {
            start.Environment[key] = value;
        }

        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        var idp = new IdpProcess(process, temp, baseUri);
        // Should the test host end without disposing the fixture, the IdP must not outlive it.
        AppDomain.CurrentDomain.ProcessExit += idp.KillOnExit;
        process.OutputDataReceived += (_, e) => idp.Collect("out", e.Data);
        process.ErrorDataReceived += (_, e) => idp.Collect("err", e.Data);
        if (!process.Start())
        {
            throw new InvalidOperationException($"Could not start {start.FileName} {assembly}.");
        }

        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await idp.WaitUntilReadyAsync();
        }
        catch
        {
            await idp.DisposeAsync();
            throw;
        }

        return idp;
    }

    public Uri Url(string pathAndQuery) => new(BaseUri, pathAndQuery);

    /// <summary>What the IdP wrote after <paramref name="mark"/> (from <see cref="OutputMark"/>).</summary>
    public string OutputSince(int mark) => string.Join('\n', output.Skip(mark));

    /// <summary>
    /// Waits (at most <paramref name="limit"/>) until the IdP has written nothing for
    /// <paramref name="quiet"/>: its console logger writes from a background queue, so the log
    /// lines of a request can arrive just after the response.
    /// </summary>
    public async Task WaitForQuietOutputAsync(TimeSpan quiet, TimeSpan limit)
    {
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < limit && SinceLastLine < quiet)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(50));
        }
    }

    public static int FreeTcpPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    public async ValueTask DisposeAsync()
    {
        AppDomain.CurrentDomain.ProcessExit -= KillOnExit;
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }

            using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(15));
            await process.WaitForExitAsync(wait.Token);
        }
        catch (InvalidOperationException)
        {
            // Never started: nothing to stop.
        }
        finally
        {
            process.Dispose();
            try
            {
                Directory.Delete(temp, recursive: true);
            }
            catch (IOException)
            {
                // A file still held open is left for the OS to clean up with /tmp.
            }
        }
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

    private void Collect(string stream, string? line)
    {
        if (line is not null)
        {
            output.Enqueue($"[idp {stream}] {line}");
            Interlocked.Increment(ref lines);
            lock (sinceLastLine)
            {
                sinceLastLine.Restart();
            }
        }
    }

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

    /// <summary>Polls /health/ready until it answers 200, the process dies, or the bounded wait runs out.</summary>
    private async Task WaitUntilReadyAsync()
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var ready = Url("/health/ready");
        var watch = Stopwatch.StartNew();
        string last = "no answer yet";
        while (watch.Elapsed < ReadyTimeout)
        {
            if (process.HasExited)
            {
                // Let the output readers drain what the process wrote before it died.
                await process.WaitForExitAsync();
                throw Failure($"The IdP exited with code {process.ExitCode} before it was ready.");
            }

            try
            {
                using var response = await http.GetAsync(ready);
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

            // A short poll interval, not a fixed wait: the loop ends as soon as the IdP answers.
            await Task.Delay(TimeSpan.FromMilliseconds(100));
        }

        throw Failure($"The IdP did not answer 200 at {ready} within {ReadyTimeout.TotalSeconds:0} s (last: {last}).");
    }

    private InvalidOperationException Failure(string message) =>
        new(new StringBuilder(message)
            .Append("\nCommand: ").Append(process.StartInfo.FileName).Append(' ').AppendJoin(' ', process.StartInfo.ArgumentList)
            .Append("\nIdP output:\n").Append(OutputSince(0))
            .ToString());

    /// <summary>The IdP assembly built together with this project (see EmbedIdpAssemblyPath in the csproj).</summary>
    private static string IdpAssemblyPath()
    {
        var path = Environment.GetEnvironmentVariable("E2E_IDP_ASSEMBLY") is { Length: > 0 } overridden
            ? overridden
            : typeof(IdpProcess).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
                .SingleOrDefault(a => a.Key == "IdpAssemblyPath")?.Value;
        if (string.IsNullOrEmpty(path) || !File.Exists(path))
        {
            throw new InvalidOperationException(
                $"The IdP assembly was not found at '{path}'. Build and run through the test project " +
                "(dotnet test tests/Educloud.Idp.EndToEnd), which builds src/IdP too, or set E2E_IDP_ASSEMBLY to a built Educloud.Idp.dll.");
        }

        return path;
    }

    /// <summary>The dotnet host that runs these tests (set by the SDK), else the one on PATH.</summary>
    private static string DotnetHost() =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet";
}
