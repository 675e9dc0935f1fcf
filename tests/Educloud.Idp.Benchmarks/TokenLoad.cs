using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text.Json;

namespace Educloud.Idp.Benchmarks;

/// <summary>What one timed run measured.</summary>
public sealed record RunResult(
    string Grant,
    int Connections,
    TimeSpan Elapsed,
    int Succeeded,
    int Failed,
    double P50Milliseconds,
    double P99Milliseconds,
    double MaxMilliseconds,
    TimeSpan ServerCpu,
    TimeSpan ClientCpu,
    string? FirstError,
    string LoadAverage)
{
    public double PerSecond => Elapsed > TimeSpan.Zero ? Succeeded / Elapsed.TotalSeconds : 0;

    /// <summary>Server CPU per successful request: what a grant costs, independent of how busy the machine was.</summary>
    public double ServerCpuMillisecondsPerRequest => Succeeded == 0 ? 0 : ServerCpu.TotalMilliseconds / Succeeded;
}

/// <summary>
/// Closed-loop load on /connect/token: each of N workers sends a request, waits for the answer,
/// and sends the next, over its own keep-alive connection, until the time is up. With
/// <paramref name="viaProxy"/> the requests go over plain HTTP the way a TLS-terminating proxy
/// forwards them (Host and X-Forwarded-Proto); otherwise straight to the IdP's HTTPS port. Worker i
/// sends every request to replica i mod N (<see cref="IOidcServers.For"/>). The same load drives the
/// IdP and the peer (<see cref="PeerProcess"/>): only the servers differ.
/// </summary>
public sealed class TokenLoad(HttpClient http, IOidcServers servers, LoginDriver logins, bool viaProxy)
{
    public const string LoginGrant = "login";
    public const string RefreshGrant = "refresh_token";
    public const string ClientCredentialsGrant = "client_credentials";

    private static readonly MediaTypeHeaderValue FormContentType = new("application/x-www-form-urlencoded");

    // The replicas share the clients' secrets (IdpProcess.StartAsync's peer).
    private readonly AuthenticationHeaderValue appAuthentication = LoginDriver.BasicAuthentication(IdpProcess.AppClientId, servers.For(0).AppSecret);
    private readonly AuthenticationHeaderValue machineAuthentication = LoginDriver.BasicAuthentication(IdpProcess.MachineClientId, servers.For(0).MachineSecret);
    private readonly Uri[] tokenEndpoints = [.. servers.Servers.Select(server => new Uri(viaProxy ? server.PlainOrigin : server.Origin, server.TokenPath))];
    private int relogins;

    /// <summary>Refresh chains that broke (an error mid-rotation) and were replaced by a new login.</summary>
    public int Relogins => relogins;

    /// <summary>HTTP requests the whole logins of the last login run made, and how many logins that was.</summary>
    public (long Requests, long Logins) LoginRequests => (Interlocked.Read(ref loginRequests), Interlocked.Read(ref loginCount));

    private long loginRequests;
    private long loginCount;

    /// <summary>
    /// Whole-login runs: each worker repeatedly logs in the next person of the pool (people who set up
    /// their authenticator during setup) with a fresh cookie jar, from /connect/authorize to the token
    /// response. A person is used by one worker at a time and in a new time step each time.
    /// </summary>
    public Task<RunResult> LoginsAsync(PersonPool pool, int connections, TimeSpan duration, int maxLogins = int.MaxValue)
    {
        Interlocked.Exchange(ref loginRequests, 0);
        Interlocked.Exchange(ref loginCount, 0);
        return RunAsync(LoginGrant, connections, duration, maxLogins, async (worker, cancellationToken) =>
        {
            var person = await pool.TakeAsync(cancellationToken);
            try
            {
                var outcome = await logins.LogInAsync(servers.For(worker), person, cancellationToken);
                Interlocked.Add(ref loginRequests, outcome.Requests);
                Interlocked.Increment(ref loginCount);
                return outcome.Enrolled ? "a person of the pool was asked to set up an authenticator again" : null;
            }
            finally
            {
                pool.Return(person);
            }
        });
    }

    /// <summary>
    /// Refresh runs: worker i rotates chain i (the new refresh token replaces the old one each time),
    /// so no two requests ever present the same token and reuse detection never fires. Chain i began
    /// at replica i mod N (Program's setup), the replica worker i sends to.
    /// </summary>
    public Task<RunResult> RefreshAsync(string[] chains, Person[] people, int connections, TimeSpan duration) =>
        RunAsync(RefreshGrant, connections, duration, int.MaxValue, RefreshSend(chains, people));

    public Task<RunResult> ClientCredentialsAsync(int connections, TimeSpan duration) =>
        RunAsync(ClientCredentialsGrant, connections, duration, int.MaxValue, ClientCredentialsSend);

    /// <summary>
    /// Open-loop load at a fixed rate (<see cref="RunAtRateAsync"/>) of refresh grants or client
    /// credentials: at most <paramref name="connections"/> requests in flight, as in the closed-loop row.
    /// </summary>
    public Task<RunResult> AtRateAsync(string grant, string[] chains, Person[] people, int connections, double perSecond, TimeSpan duration) =>
        RunAtRateAsync(grant + HalfRateSuffix, connections, perSecond, duration,
            grant == RefreshGrant ? RefreshSend(chains, people) : ClientCredentialsSend);

    /// <summary>The suffix of an open-loop row's grant name.</summary>
    private const string HalfRateSuffix = " (open loop)";

    // Worker i rotates chain i: one request per chain in flight.
    private Func<int, CancellationToken, Task<string?>> RefreshSend(string[] chains, Person[] people) => async (worker, cancellationToken) =>
    {
        using var request = TokenRequest(TokenEndpoint(worker), "grant_type=refresh_token&refresh_token=" + Uri.EscapeDataString(chains[worker]), appAuthentication, viaProxy ? servers.For(worker) : null);
        using var response = await http.SendAsync(request, cancellationToken);
        var body = await response.Content.ReadAsByteArrayAsync(cancellationToken);
        if (response.IsSuccessStatusCode && RefreshToken(body) is { } next)
        {
            chains[worker] = next;
            return null;
        }

        // The chain is broken (an error part-way through rotation): log in again, untimed.
        Interlocked.Increment(ref relogins);
        chains[worker] = (await logins.LogInAsync(servers.For(worker), people[worker], cancellationToken)).RefreshToken;
        return $"{(int)response.StatusCode}: {System.Text.Encoding.UTF8.GetString(body)}";
    };

    private async Task<string?> ClientCredentialsSend(int worker, CancellationToken cancellationToken)
    {
        using var request = TokenRequest(TokenEndpoint(worker), "grant_type=client_credentials", machineAuthentication, viaProxy ? servers.For(worker) : null);
        using var response = await http.SendAsync(request, cancellationToken);
        var body = await response.Content.ReadAsByteArrayAsync(cancellationToken);
        return response.IsSuccessStatusCode && AccessToken(body) ? null : $"{(int)response.StatusCode}: {System.Text.Encoding.UTF8.GetString(body)}";
    }

    /// <summary>A synthetic national identity number per person (11 digits, TestID-shaped month + 80).</summary>
    public static string PidFor(int person) => "0181" + (850_0000 + person).ToString("D7", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The machine's 1-minute load average: other processes on it skew every number.</summary>
    public static string LoadAverage() => File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ')[0] : "?";

    private Uri TokenEndpoint(int worker) => tokenEndpoints[worker % tokenEndpoints.Length];

    /// <summary>
    /// A token request (form body, the client's Basic authentication); with <paramref name="proxiedFor"/>,
    /// Host and X-Forwarded-Proto as the TLS-terminating proxy in front of that server forwards it.
    /// </summary>
    public static HttpRequestMessage TokenRequest(Uri endpoint, string form, AuthenticationHeaderValue client, IOidcServer? proxiedFor)
    {
        var content = new StringContent(form);
        content.Headers.ContentType = FormContentType;
        var request = new HttpRequestMessage(HttpMethod.Post, endpoint) { Content = content };
        request.Headers.Authorization = client;
        if (proxiedFor is not null)
        {
            request.Headers.Host = proxiedFor.Origin.Authority;
            request.Headers.Add("X-Forwarded-Proto", "https");
        }

        return request;
    }

    /// <summary>Closed-loop run for <paramref name="duration"/>, or until <paramref name="maxSends"/> requests have started.</summary>
    private async Task<RunResult> RunAsync(string grant, int connections, TimeSpan duration, int maxSends, Func<int, CancellationToken, Task<string?>> send)
    {
        var sends = 0;
        var latencies = new List<long>[connections];
        var failures = new int[connections];
        string? firstError = null;
        // Other processes on the machine skew every number: the 1-minute load average says how busy it was.
        var loadAverage = LoadAverage();
        var serverCpuBefore = servers.CpuTime;
        var clientCpuBefore = OwnCpu();
        // A hard stop well past the planned end, should the server stop answering.
        using var abort = new CancellationTokenSource(duration + TimeSpan.FromSeconds(60));
        var clock = Stopwatch.StartNew();

        var workers = Enumerable.Range(0, connections).Select(worker => Task.Run(async () =>
        {
            var mine = new List<long>(4096);
            latencies[worker] = mine;
            while (clock.Elapsed < duration && Interlocked.Increment(ref sends) <= maxSends)
            {
                var started = Stopwatch.GetTimestamp();
                var error = await SendAsync(send, worker, abort.Token);

                if (error is null)
                {
                    mine.Add(Stopwatch.GetTimestamp() - started);
                }
                else
                {
                    failures[worker]++;
                    Interlocked.CompareExchange(ref firstError, error, null);
                    if (abort.IsCancellationRequested)
                    {
                        break;
                    }
                }
            }
        })).ToArray();
        await Task.WhenAll(workers);
        var elapsed = clock.Elapsed;

        var all = latencies.SelectMany(l => l).Order().ToArray();
        return new RunResult(
            grant,
            connections,
            elapsed,
            all.Length,
            failures.Sum(),
            Percentile(all, 0.50),
            Percentile(all, 0.99),
            all.Length == 0 ? 0 : Milliseconds(all[^1]),
            servers.CpuTime - serverCpuBefore,
            OwnCpu() - clientCpuBefore,
            firstError,
            loadAverage);
    }

    /// <summary>
    /// Open-loop run: request k is due at k / <paramref name="perSecond"/> seconds, whether or not the
    /// earlier ones were answered, and its latency counts from when it was due, not from when it was
    /// sent. A closed loop slows its own sending when the server slows, and so never sees the queue
    /// that real clients, arriving on their own schedule, would meet ("coordinated omission"). At most
    /// <paramref name="connections"/> requests are in flight (worker ids, as in the closed loop: a
    /// refresh chain is rotated by one request at a time); a request due while all are busy waits,
    /// and the wait is in its latency. The scheduler wakes about every millisecond and sends whatever
    /// is due, so latencies include up to a millisecond of its own lateness.
    /// </summary>
    private async Task<RunResult> RunAtRateAsync(string grant, int connections, double perSecond, TimeSpan duration, Func<int, CancellationToken, Task<string?>> send)
    {
        var free = System.Threading.Channels.Channel.CreateUnbounded<int>();
        for (var worker = 0; worker < connections; worker++)
        {
            free.Writer.TryWrite(worker);
        }

        var latencies = new System.Collections.Concurrent.ConcurrentBag<long>();
        var failed = 0;
        string? firstError = null;
        var loadAverage = LoadAverage();
        var serverCpuBefore = servers.CpuTime;
        var clientCpuBefore = OwnCpu();
        using var abort = new CancellationTokenSource(duration + TimeSpan.FromSeconds(60));
        var inFlight = new List<Task>();
        var start = Stopwatch.GetTimestamp();
        var interval = Stopwatch.Frequency / perSecond;
        for (long k = 0; ; k++)
        {
            var due = start + (long)(k * interval);
            if (due - start >= duration.TotalSeconds * Stopwatch.Frequency)
            {
                break;
            }

            var wait = due - Stopwatch.GetTimestamp();
            if (wait > Stopwatch.Frequency / 1000)
            {
                await Task.Delay(TimeSpan.FromSeconds((double)wait / Stopwatch.Frequency));
            }

            int worker;
            try
            {
                worker = await free.Reader.ReadAsync(abort.Token);
            }
            catch (OperationCanceledException)
            {
                // The hard stop: the server stopped answering and every worker is still waiting.
                Interlocked.CompareExchange(ref firstError, "no answer within the run's hard stop", null);
                break;
            }

            inFlight.Add(Task.Run(async () =>
            {
                var error = await SendAsync(send, worker, abort.Token);

                if (error is null)
                {
                    latencies.Add(Stopwatch.GetTimestamp() - due);
                }
                else
                {
                    Interlocked.Increment(ref failed);
                    Interlocked.CompareExchange(ref firstError, error, null);
                }

                free.Writer.TryWrite(worker);
            }));
        }

        await Task.WhenAll(inFlight);
        var elapsed = Stopwatch.GetElapsedTime(start);
        var all = latencies.Order().ToArray();
        return new RunResult(grant, connections, elapsed, all.Length, failed, Percentile(all, 0.50), Percentile(all, 0.99),
            all.Length == 0 ? 0 : Milliseconds(all[^1]), servers.CpuTime - serverCpuBefore, OwnCpu() - clientCpuBefore, firstError, loadAverage);
    }

    /// <summary>One request: null when it succeeded, else what went wrong (a failed request is counted, not thrown).</summary>
    private static async Task<string?> SendAsync(Func<int, CancellationToken, Task<string?>> send, int worker, CancellationToken cancellationToken)
    {
        try
        {
            return await send(worker, cancellationToken);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or JsonException or InvalidOperationException)
        {
            return e.GetType().Name + ": " + e.Message;
        }
    }

    private static double Percentile(long[] sorted, double quantile) =>
        sorted.Length == 0 ? 0 : Milliseconds(sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(quantile * sorted.Length) - 1)]);

    private static TimeSpan OwnCpu()
    {
        using var self = Process.GetCurrentProcess();
        return self.TotalProcessorTime;
    }

    private static double Milliseconds(long ticks) => ticks * 1000.0 / Stopwatch.Frequency;

    private static string? RefreshToken(byte[] body)
    {
        var reader = new Utf8JsonReader(body);
        while (reader.Read())
        {
            if (reader.TokenType == JsonTokenType.PropertyName && reader.ValueTextEquals("refresh_token"u8) && reader.Read())
            {
                return reader.GetString();
            }
        }

        return null;
    }

    private static bool AccessToken(byte[] body)
    {
        var reader = new Utf8JsonReader(body);
        while (reader.Read())
        {
            if (reader.TokenType == JsonTokenType.PropertyName && reader.ValueTextEquals("access_token"u8))
            {
                return true;
            }
        }

        return false;
    }
}
