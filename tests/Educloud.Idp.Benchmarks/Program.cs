using System.Diagnostics;
using System.Globalization;
using System.Text;
using Educloud.Idp.Benchmarks;

// Token-endpoint throughput of the published IdP on the embedded default (SQLite): refresh_token
// and client_credentials grants per second with p50/p99 latency. See docs/performance.md.
BenchmarkOptions options;
try
{
    options = BenchmarkOptions.Parse(args);
}
catch (Exception e) when (e is ArgumentException or FormatException)
{
    Console.Error.WriteLine(e.Message);
    return 2;
}

// RFC 6238 appendix B (SHA1, T = 59 s), truncated to 6 digits: the login driver's TOTP is right.
if (LoginDriver.Totp("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ", 1) != "287082")
{
    throw new InvalidOperationException("The benchmark's TOTP implementation is wrong.");
}

var machine = Machine.Describe();
var temp = Path.Combine(Path.GetTempPath(), "educloud-bench-" + Guid.NewGuid().ToString("N")[..8]);
Directory.CreateDirectory(temp);
Console.WriteLine($"Machine: {machine.Cores} cores, {machine.Cpu}, {machine.Memory}, {machine.OperatingSystem}, {machine.Runtime}");

var idpPath = options.IdpPath ?? await IdpProcess.PublishAsync(Path.Combine(temp, "publish"));
await using var idp = await IdpProcess.StartAsync(idpPath, Path.Combine(temp, "run"), options.Port, options.Keep, options.ExtraEnvironment);
Console.WriteLine($"IdP {idpPath} running at {idp.Origin} (pid {idp.ProcessId}), log {idp.LogPath}");

// Keep-alive HTTP/1.1, one connection per worker; redirects and cookies are the login driver's business.
using var handler = idp.CreateHandler(Math.Max(options.Concurrency.Max(), 8));
using var http = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(30) };
var logins = new LoginDriver(http, idp);
var load = new TokenLoad(http, idp, logins, viaProxy: !options.Tls);
var results = new List<RunResult>();
var notes = new List<string>();

// Every person logs in once through the simulator; the refresh tokens start the chains.
var chains = new string[options.Refresh ? options.Users : 0];
var loginClock = Stopwatch.StartNew();
using (var gate = new SemaphoreSlim(4))
{
    await Task.WhenAll(Enumerable.Range(0, chains.Length).Select(async person =>
    {
        await gate.WaitAsync();
        try
        {
            chains[person] = await logins.LogInForRefreshTokenAsync(TokenLoad.PidFor(person), CancellationToken.None);
        }
        finally
        {
            gate.Release();
        }
    }));
}

var loginNote = $"{chains.Length} logins (authorize → login page → ID-porten simulator → callback → authenticator set-up and one-time code → authorization code → token), 4 at a time: {loginClock.Elapsed.TotalSeconds:0.0} s, {chains.Length / loginClock.Elapsed.TotalSeconds:0}/s";
if (chains.Length > 0)
{
    notes.Add(loginNote);
    Console.WriteLine(loginNote);
}

if (options.JitWarmup > TimeSpan.Zero)
{
    // Both grants, at the highest concurrency, half the time each: the code paths the runs measure.
    Console.WriteLine($"JIT warm-up: {options.JitWarmup.TotalSeconds:0} s of unmeasured load ...");
    var half = options.JitWarmup / 2;
    var warm = options.Concurrency.Max();
    if (options.Refresh)
    {
        Report(await load.RefreshAsync(chains, warm, half), "(warm-up) ");
    }

    if (options.ClientCredentials)
    {
        Report(await load.ClientCredentialsAsync(warm, half), "(warm-up) ");
    }
}

if (options.Refresh)
{
    foreach (var connections in options.Concurrency)
    {
        if (options.Warmup > TimeSpan.Zero)
        {
            await load.RefreshAsync(chains, connections, options.Warmup);
        }

        results.Add(Report(await load.RefreshAsync(chains, connections, options.Duration)));
    }
}

if (options.ClientCredentials)
{
    foreach (var connections in options.Concurrency)
    {
        if (options.Warmup > TimeSpan.Zero)
        {
            await load.ClientCredentialsAsync(connections, options.Warmup);
        }

        results.Add(Report(await load.ClientCredentialsAsync(connections, options.Duration)));
    }

    if (options.Wrk)
    {
        if (Wrk.Find() is { } wrk)
        {
            foreach (var connections in options.Concurrency.Where(c => c > 1))
            {
                var line = await Wrk.ClientCredentialsAsync(wrk, idp, connections, options.Duration, temp);
                notes.Add("client_credentials with " + line);
                Console.WriteLine(line);
            }
        }
        else
        {
            Console.WriteLine("wrk is not installed (apt-get install wrk): skipped.");
        }
    }
}

if (load.Relogins > 0)
{
    notes.Add($"{load.Relogins} refresh chain(s) broke and were replaced by a new login.");
}

notes.Add($"Server log lines at warning or above: {idp.Warnings}.");
var markdown = Markdown(machine, options, results, notes);
Console.WriteLine();
Console.WriteLine(markdown);
if (options.MarkdownPath is { } path)
{
    await File.WriteAllTextAsync(path, markdown);
    Console.WriteLine($"Written to {path}");
}

await idp.DisposeAsync();
if (!options.Keep)
{
    try
    {
        Directory.Delete(temp, recursive: true);
    }
    catch (IOException)
    {
        // A leftover temp folder is not worth failing the run for.
    }
}

return results.Any(r => r.Succeeded == 0) ? 1 : 0;

static RunResult Report(RunResult r, string prefix = "")
{
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"{prefix}{r.Grant,-18} {r.Connections,3} conn: {r.PerSecond,7:0}/s  p50 {r.P50Milliseconds,6:0.0} ms  p99 {r.P99Milliseconds,6:0.0} ms  max {r.MaxMilliseconds,6:0} ms  " +
        $"errors {r.Failed}  load {r.LoadAverage}  server CPU {r.ServerCpuMillisecondsPerRequest:0.00} ms/req  client CPU {r.ClientCpu.TotalSeconds / r.Elapsed.TotalSeconds * 100:0}% of a core"));
    if (r.FirstError is not null)
    {
        Console.WriteLine("  first error: " + (r.FirstError.Length > 300 ? r.FirstError[..300] : r.FirstError));
    }

    return r;
}

static string Markdown(Machine machine, BenchmarkOptions options, List<RunResult> results, List<string> notes)
{
    var text = new StringBuilder();
    var invariant = CultureInfo.InvariantCulture;
    text.AppendLine(invariant, $"Run {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm} UTC on {machine.Cores} cores ({machine.Cpu}), {machine.Memory}, {machine.OperatingSystem}, {machine.Runtime}; ")
        .AppendLine(invariant, $"{options.Duration.TotalSeconds:0} s measured after {options.Warmup.TotalSeconds:0} s warm-up per row, load generator on the same machine.")
        .AppendLine()
        .AppendLine("| grant | connections | requests/s | p50 ms | p99 ms | max ms | errors | server CPU ms/request | load average before |")
        .AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
    foreach (var r in results)
    {
        text.AppendLine(invariant, $"| {r.Grant} | {r.Connections} | {r.PerSecond:0} | {r.P50Milliseconds:0.0} | {r.P99Milliseconds:0.0} | {r.MaxMilliseconds:0} | {r.Failed} | {r.ServerCpuMillisecondsPerRequest:0.00} | {r.LoadAverage} |");
    }

    text.AppendLine();
    foreach (var note in notes)
    {
        text.AppendLine("- " + note);
    }

    return text.ToString();
}
