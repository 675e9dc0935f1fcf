using System.Diagnostics;
using System.Globalization;
using System.Text;
using Educloud.Idp.Benchmarks;

// Throughput of the published IdP on the embedded default (SQLite): whole logins per second (through
// the ID-porten simulator and a one-time code), refresh_token and client_credentials grants per
// second with p50/p99 latency, and TOTP verification alone in-process. See docs/performance.md.
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
if (Rfc6238.Code("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ", 1) != "287082")
{
    throw new InvalidOperationException("The benchmark's TOTP implementation is wrong.");
}

var machine = Machine.Describe();
Console.WriteLine($"Machine: {machine.Cores} cores, {machine.Cpu}, {machine.Memory}, {machine.OperatingSystem}, {machine.Runtime}");

// TOTP verification alone, in this process, before the IdP runs (so it has the machine to itself).
IReadOnlyList<MicroResult> totp = [];
var totpLoad = TokenLoad.LoadAverage();
if (options.Totp)
{
    Console.WriteLine($"TOTP verification alone: {options.TotpIterations:N0} calls per round, best of 3 ...");
    totp = TotpMicro.Run(options.TotpIterations);
    foreach (var m in totp)
    {
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {m.Operation,-58} {m.NanosecondsPerOperation,8:0} ns  {m.PerSecond,12:N0}/s  {m.BytesPerOperation,6:0} B allocated"));
    }
}

if (!options.Login && !options.Refresh && !options.ClientCredentials)
{
    await EmitAsync(Markdown(machine, options, [], [], totp, totpLoad), options.MarkdownPath);
    return 0;
}

// --peer: node and the peer's packages first, so that a missing node fails before the long IdP run.
string? peerFolder = null;
try
{
    peerFolder = options.Peer ? await PeerProcess.PrepareAsync() : null;
}
catch (InvalidOperationException e)
{
    Console.Error.WriteLine(e.Message);
    return 2;
}

var notes = new List<string>();
var temp = Path.Combine(Path.GetTempPath(), "educloud-bench-" + Guid.NewGuid().ToString("N")[..8]);
Directory.CreateDirectory(temp);

var idpPath = options.IdpPath ?? await IdpProcess.PublishAsync(Path.Combine(temp, "publish"), options.ReadyToRun);
await using var replicas = await IdpReplicas.StartAsync(options, idpPath, temp);
if (replicas.Count > 1)
{
    var spreadNote = $"{replicas.Count} IdP processes on one PostgreSQL database, same key files and settings; load worker i (login worker or token connection) sends every request to replica i mod {replicas.Count}, so all requests of one login go to one replica, and refresh chain i began there.";
    notes.Add(spreadNote);
    Console.WriteLine(spreadNote);
}

// Keep-alive HTTP/1.1, one connection per worker (and per server); redirects and cookies are the login driver's business.
var connectionLimit = new[] { options.Concurrency.Max(), options.LoginConcurrency.Max(), options.SetupConcurrency, 8 }.Max();
using var handler = replicas.CreateHandler(connectionLimit);
using var http = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(30) };
var logins = new LoginDriver(http, viaProxy: !options.Tls);
var idp = new Side("IdP", replicas, new TokenLoad(http, replicas, logins, viaProxy: !options.Tls), logins);
var sides = new List<Side> { idp };

// Setup: every person logs in once through the simulator and sets up an authenticator. The first
// --users people start the refresh chains; the others take turns in the whole-login rows.
idp.ChainPeople = [.. Enumerable.Range(0, options.Refresh ? options.Users : 0).Select(i => new Person(TokenLoad.PidFor(i)))];
idp.Chains = new string[idp.ChainPeople.Length];
var setupClock = new Stopwatch();
var setUp = 0;
await SetUpAsync(idp, idp.ChainPeople, idp.Chains);
if (options.Login)
{
    await SetUpAsync(idp, NewPeople(options.LoginPeople ?? BenchmarkOptions.InitialLoginPeople), null);
}

// PostgreSQL's view of the tables (rows, sequential and index scans, when last analysed), after
// the set-up and after each login row: a plan gone to sequential scans, or statistics missing after
// the bulk set-up, shows here (session 7 looked for the cause of bimodal PostgreSQL login rows).
void PgStats(string when)
{
    if (replicas.Psql("select relname, n_live_tup, seq_scan, idx_scan, coalesce(last_autoanalyze::text, '-') from pg_stat_user_tables where n_live_tup > 0 or seq_scan > 0 order by seq_scan desc limit 12") is { } stats)
    {
        Console.WriteLine($"PostgreSQL tables {when} (name|rows|seq scans|index scans|last autoanalyze):\n{stats}");
    }
}

PgStats("after setup");

await WarmUpAsync(idp);
if (setUp > 0)
{
    var setupNote = $"Setup: {setUp} first logins (authorize → login page → ID-porten simulator → callback → authenticator set-up and its first code → authorization code → token), {options.SetupConcurrency} at a time: {setupClock.Elapsed.TotalSeconds:0} s, {setUp / setupClock.Elapsed.TotalSeconds:0}/s";
    notes.Add(setupNote);
    Console.WriteLine(setupNote);
}

// --peer: the peer starts now, beside the idle IdP, is set up and warmed up the same way, and then
// each row runs on both in turn, --rounds times, the order swapped every round: a ratio comes from
// two rows a few seconds apart, so the machine's speed, which moves within minutes here, moves both.
// Stopped at the end (PeerEndAsync) or, should the run fail, when this scope ends.
await using var peerProcess = peerFolder is null ? null : await PeerProcess.StartAsync(peerFolder, Path.Combine(temp, "peer"));
Side? peer = null;
if (peerProcess is not null)
{
    peer = await PeerSideAsync(peerProcess);
    await WarmUpAsync(peer);
}

foreach (var row in Rows())
{
    for (var round = 0; round < options.Rounds; round++)
    {
        Side[] order = peer is null ? [idp] : round % 2 == 0 ? [idp, peer] : [peer, idp];
        foreach (var side in order)
        {
            await RowAsync(side, row);
        }
    }
}

FinishLoginNotes(idp);
if (peer is not null)
{
    FinishLoginNotes(peer);
}

if (options.ClientCredentials && options.Wrk && replicas.Count > 1)
{
    Console.WriteLine("wrk loads one address: skipped with more than one replica.");
}
else if (options.ClientCredentials && options.Wrk)
{
    if (Wrk.Find() is { } wrk)
    {
        foreach (var connections in options.Concurrency.Where(c => c > 1))
        {
            var line = await Wrk.ClientCredentialsAsync(wrk, replicas.For(0), connections, options.Duration, temp);
            notes.Add("client_credentials with " + line);
            Console.WriteLine(line);
        }
    }
    else
    {
        Console.WriteLine("wrk is not installed (apt-get install wrk): skipped.");
    }
}

if (replicas.Database == "PostgreSQL")
{
    notes.Add("Server CPU is the IdP processes' (all replicas) only: PostgreSQL's own CPU, on the same cores, is not in it.");
}

notes.Add($"Server log lines at warning or above: {replicas.Warnings}.");
if (replicas.Count > 1)
{
    // How evenly the load was spread: each replica's CPU over the whole run, setup included.
    Console.WriteLine("CPU per replica (whole run): " + string.Join(", ", replicas.All.Select((r, i) => $"{i}: {r.CpuTime.TotalSeconds:0.0} s")));
}

var comparison = "";
if (peerFolder is not null && peerProcess is not null && peer is not null)
{
    comparison = await PeerEndAsync(peerFolder, peerProcess, peer);
}

await EmitAsync(Markdown(machine, options, sides, notes, totp, totpLoad) + comparison, options.MarkdownPath);

await replicas.DisposeAsync();
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

return sides.SelectMany(s => s.Results).Any(r => r.Succeeded == 0) ? 1 : 0;

// The rows in the order they run: whole logins, refresh grants, client credentials, each at every
// number of workers asked for.
IEnumerable<(string Grant, int Workers)> Rows() =>
    (options.Login ? options.LoginConcurrency.Select(w => ("login", w)) : [])
        .Concat(options.Refresh ? options.Concurrency.Select(c => ("refresh_token", c)) : [])
        .Concat(options.ClientCredentials ? options.Concurrency.Select(c => ("client_credentials", c)) : []);

// JIT warm-up of one side: the token grants, then logins (which also sizes the IdP's login pool).
async Task WarmUpAsync(Side side)
{
    var load = side.Load;
    var tokenGrants = (options.Refresh ? 1 : 0) + (options.ClientCredentials ? 1 : 0);
    if (options.JitWarmup > TimeSpan.Zero && tokenGrants > 0)
    {
        // The token grants, at the highest concurrency, an equal share each: the code paths the runs measure.
        Console.WriteLine($"{side.Name}: JIT warm-up: {options.JitWarmup.TotalSeconds:0} s of unmeasured token requests ...");
        var share = options.JitWarmup / tokenGrants;
        if (options.Refresh)
        {
            Report(side, await load.RefreshAsync(side.Chains, side.ChainPeople, options.Concurrency.Max(), share), "(warm-up) ");
        }

        if (options.ClientCredentials)
        {
            Report(side, await load.ClientCredentialsAsync(options.Concurrency.Max(), share), "(warm-up) ");
        }
    }

    if (options.Login)
    {
        await WarmUpLoginsAsync(side);
    }
}

// One row on one side: --warmup unmeasured, then --duration measured.
async Task RowAsync(Side side, (string Grant, int Workers) row)
{
    var load = side.Load;
    var workers = row.Workers;
    switch (row.Grant)
    {
        case "login":
            if (options.Warmup > TimeSpan.Zero)
            {
                await load.LoginsAsync(side.Pool, workers, options.Warmup);
            }

            var (stallsBefore, waitsBefore) = (side.Pool.Stalls, side.Logins.StepWaits);
            side.Logins.ResetTimings();
            var result = Report(side, await load.LoginsAsync(side.Pool, workers, options.Duration));
            if (side == idp)
            {
                PgStats("after login row");
            }

            side.Results.Add(result);
            side.LoginSteps.Add((workers, side.Logins.Timings));
            var (requests, count) = load.LoginRequests;
            if (count > 0)
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {requests / (double)count:0.#} HTTP requests per login"));
            }

            var stalls = side.Pool.Stalls - stallsBefore + (side.Logins.StepWaits - waitsBefore);
            if (stalls > 0)
            {
                var stallNote = $"{side.Name} login, {workers} workers: {stalls} login(s) waited for a new 30-s step because every person of the pool ({side.Pool.Count}) had typed a code in this one: the rate is the pool's, not the server's (raise --login-people).";
                notes.Add(stallNote);
                Console.WriteLine("  " + stallNote);
            }

            break;
        case "refresh_token":
            if (options.Warmup > TimeSpan.Zero)
            {
                await load.RefreshAsync(side.Chains, side.ChainPeople, workers, options.Warmup);
            }

            var refresh = Report(side, await load.RefreshAsync(side.Chains, side.ChainPeople, workers, options.Duration));
            side.Results.Add(refresh);
            await HalfRateAsync(side, refresh);
            break;
        default:
            if (options.Warmup > TimeSpan.Zero)
            {
                await load.ClientCredentialsAsync(workers, options.Warmup);
            }

            var machines = Report(side, await load.ClientCredentialsAsync(workers, options.Duration));
            side.Results.Add(machines);
            await HalfRateAsync(side, machines);
            break;
    }
}

// Latency at half the maximum rate (issue 14's p99 goal): right after a closed-loop token row at the
// highest --concurrency, the same grant in an open loop at half the rate that row reached, on the
// same side, for --duration (TokenLoad.RunAtRateAsync).
async Task HalfRateAsync(Side side, RunResult closed)
{
    if (!options.HalfRate || closed.Connections != options.Concurrency.Max() || closed.PerSecond < 2)
    {
        return;
    }

    side.HalfRate.Add(Report(side, await side.Load.AtRateAsync(closed.Grant, side.Chains, side.ChainPeople, closed.Connections, closed.PerSecond / 2, options.Duration)));
}

void FinishLoginNotes(Side side)
{
    var (totalRequests, totalLogins) = side.Load.LoginRequests;
    if (totalLogins > 0)
    {
        notes.Add(side == idp
            ? string.Create(CultureInfo.InvariantCulture, $"One whole login is {totalRequests / (double)totalLogins:0.#} HTTP requests from the browser (table below), plus the IdP's own back-channel calls to the simulator.")
            : string.Create(CultureInfo.InvariantCulture, $"One whole login at the peer is {totalRequests / (double)totalLogins:0.#} HTTP requests (authorize, its login page, the form with account and code, back to authorize, token)."));
    }

    if (options.Login)
    {
        notes.Add($"{side.Name} login rows: a pool of {side.Pool.Count} people, each typing at most one code per 30-s step, handed out in turn.");
    }

    if (side.Load.Relogins > 0)
    {
        notes.Add($"{side.Name}: {side.Load.Relogins} refresh chain(s) broke and were replaced by a new login.");
    }
}

// The peer beside the IdP, once the IdP is set up and warmed up: same clients' shape, same people
// (keys derived, not enrolled), the same load code.
async Task<Side> PeerSideAsync(PeerProcess process)
{
    Console.WriteLine($"Peer: {process.Description} at {process.Origin} (plain HTTP on the same port, pid {process.ProcessId})");
    var side = new Side("peer", process, new TokenLoad(http, process, logins, viaProxy: true), logins);
    sides.Add(side);

    // No enrollment at the peer: each person's authenticator key is derived from a key of this run
    // (PeerProcess.PersonSecret), as server.mjs does. People cost nothing to set up here, so the
    // login pool is as large as the IdP's may grow, and never holds a row back.
    Person PeerPerson(int i) => new(TokenLoad.PidFor(i)) { Secret = process.PersonSecret(TokenLoad.PidFor(i)) };
    side.ChainPeople = [.. Enumerable.Range(0, idp.ChainPeople.Length).Select(PeerPerson)];
    side.Chains = new string[side.ChainPeople.Length];
    if (options.Login)
    {
        side.Pool.Add(Enumerable.Range(side.ChainPeople.Length, BenchmarkOptions.MaxLoginPeople).Select(PeerPerson));
    }

    await SetUpAsync(side, side.ChainPeople, side.Chains);
    return side;
}

// After the rows: both servers' memory, both stopped, then a cold start of each, one at a time.
async Task<string> PeerEndAsync(string folder, PeerProcess process, Side side)
{
    idp.Memory = ProcessMemory.Read(replicas.All.Select(r => r.ProcessId));
    side.Memory = ProcessMemory.Read([process.ProcessId]);
    notes.Add($"Peer server errors (oidc-provider server_error events): {process.Errors}.");
    await process.DisposeAsync();
    await replicas.DisposeAsync();

    Console.WriteLine("Cold starts: the IdP on an empty SQLite file and restarted on it, then the peer; first client_credentials token ...");
    var cold = await ColdStarts.MeasureAsync(idpPath, folder, temp, options);
    Console.WriteLine($"  IdP first start {cold.IdpFirst.TotalMilliseconds:0} ms, IdP restart {cold.IdpRestart.TotalMilliseconds:0} ms, peer {cold.Peer.TotalMilliseconds:0} ms");
    return Environment.NewLine + Side.Comparison(idp, side, cold);
}

// JIT warm-up for logins, the whole --jit-warmup (a login runs far more code than a token request;
// a fresh process keeps compiling for a minute or more), and with it the size of the IdP's pool. Each
// person may log in once per 30-s step, so the rows need about 30 s of logins' worth of people;
// how many logins a second that is, only a login load can tell. The first round uses each person
// at most once (so it cannot wait for a step) and sets the pool's size from its rate; only a later
// round that still had to wait for a step grows it again. The peer's pool is set up whole.
async Task WarmUpLoginsAsync(Side side)
{
    var pool = side.Pool;
    var workers = options.LoginConcurrency.Max();
    var newest = pool.NewestStep;
    var wait = Rfc6238.UntilStepAfter(newest);
    if (wait > TimeSpan.Zero)
    {
        Console.WriteLine($"Waiting {wait.TotalSeconds:0} s for a new time step: the last people set up typed their first code in this one ...");
        await Task.Delay(wait);
    }

    var left = options.JitWarmup > TimeSpan.FromSeconds(10) ? options.JitWarmup : TimeSpan.FromSeconds(10);
    for (var round = 0; round < 4 && left > TimeSpan.FromSeconds(1); round++)
    {
        var stallsBefore = pool.Stalls;
        var chunk = Report(side, await side.Load.LoginsAsync(pool, workers, round == 0 ? left / 2 : left, round == 0 ? pool.Count - workers : int.MaxValue), "(warm-up) ");
        left -= chunk.Elapsed;
        var stalled = pool.Stalls > stallsBefore;
        if (side != idp || options.LoginPeople is not null || chunk.Succeeded < 50 || (round > 0 && !stalled))
        {
            continue;
        }

        // 30 s of logins at this rate and half as many again (the JIT is still warming up, so the
        // rate will rise); a round that waited for a step ran at the pool's rate: twice that.
        var needed = Math.Min((int)Math.Ceiling(chunk.PerSecond * 30 * (stalled ? 2.0 : 1.5)) + (2 * workers), BenchmarkOptions.MaxLoginPeople);
        if (needed > pool.Count)
        {
            Console.WriteLine($"At {chunk.PerSecond:0} logins/s{(stalled ? " (held back by the pool)" : "")} the rows need about {needed} people: setting up {needed - pool.Count} more ...");
            await SetUpAsync(side, NewPeople(needed - pool.Count), null);
            left = left > TimeSpan.FromSeconds(10) ? left : TimeSpan.FromSeconds(10);
        }
    }
}

// People for the IdP's login pool, numbered after everyone so far.
Person[] NewPeople(int count)
{
    var first = idp.ChainPeople.Length + idp.Pool.Count;
    return [.. Enumerable.Range(first, count).Select(i => new Person(TokenLoad.PidFor(i)))];
}

// First logins, --setup-concurrency at a time: at the IdP with authenticator set-up (the person's
// key read from the page), at the peer with the key it derives. A chain's refresh token is kept,
// everyone else joins the login pool.
async Task SetUpAsync(Side side, Person[] people, string[]? refreshTokens)
{
    if (people.Length == 0)
    {
        return;
    }

    var enrolling = side == idp;
    Console.WriteLine($"{side.Name} setup: {people.Length} people log in{(enrolling ? " and set up an authenticator" : "")}, {options.SetupConcurrency} at a time ...");
    if (enrolling)
    {
        setupClock.Start();
    }

    var next = -1;
    await Task.WhenAll(Enumerable.Range(0, Math.Min(options.SetupConcurrency, people.Length)).Select(_ => Task.Run(async () =>
    {
        for (var i = Interlocked.Increment(ref next); i < people.Length; i = Interlocked.Increment(ref next))
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
            // Spread over the replicas; chain i begins at replica i mod N, where refresh worker i rotates it.
            var outcome = await side.Logins.LogInAsync(side.Servers.For(i), people[i], timeout.Token);
            if (enrolling && !outcome.Enrolled)
            {
                throw new InvalidOperationException($"Person {people[i].Pid} was not asked to set up an authenticator: not a fresh database?");
            }

            if (refreshTokens is not null)
            {
                refreshTokens[i] = outcome.RefreshToken;
            }

            if (enrolling && Interlocked.Increment(ref setUp) % 500 == 0)
            {
                Console.WriteLine($"  {setUp} people set up, {setUp / setupClock.Elapsed.TotalSeconds:0}/s");
            }
        }
    })));
    setupClock.Stop();
    if (refreshTokens is null)
    {
        side.Pool.Add(people);
    }
}

RunResult Report(Side side, RunResult r, string prefix = "")
{
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"{prefix}{r.Grant,-18} {side.Servers.Description}, {r.Connections,3} conn: {r.PerSecond,7:0}/s  p50 {r.P50Milliseconds,6:0.0} ms  p99 {r.P99Milliseconds,6:0.0} ms  max {r.MaxMilliseconds,6:0} ms  " +
        $"errors {r.Failed}  load {r.LoadAverage}  server CPU {r.ServerCpuMillisecondsPerRequest:0.00} ms/req  client CPU {r.ClientCpu.TotalSeconds / r.Elapsed.TotalSeconds * 100:0}% of a core"));
    if (r.FirstError is not null)
    {
        Console.WriteLine("  first error: " + (r.FirstError.Length > 300 ? r.FirstError[..300] : r.FirstError));
    }

    return r;
}

static async Task EmitAsync(string markdown, string? path)
{
    Console.WriteLine();
    Console.WriteLine(markdown);
    if (path is not null)
    {
        await File.WriteAllTextAsync(path, markdown);
        Console.WriteLine($"Written to {path}");
    }
}

static string Markdown(
    Machine machine,
    BenchmarkOptions options,
    List<Side> sides,
    List<string> notes,
    IReadOnlyList<MicroResult> totp,
    string totpLoad)
{
    var text = new StringBuilder();
    var invariant = CultureInfo.InvariantCulture;
    text.AppendLine(invariant, $"Run {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm} UTC on {machine.Cores} cores ({machine.Cpu}), {machine.Memory}, {machine.OperatingSystem}, {machine.Runtime}.");
    if (sides.Any(s => s.Results.Count > 0))
    {
        text.AppendLine(invariant, $"{options.Duration.TotalSeconds:0} s measured after {options.Warmup.TotalSeconds:0} s warm-up per row, load generator on the same machine.")
            .AppendLine()
            .AppendLine("| grant | database, replicas | connections | per second | p50 ms | p99 ms | max ms | errors | server CPU ms each | load average before |")
            .AppendLine("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var (r, servers) in sides.SelectMany(s => s.Results.Concat(s.HalfRate).Select(r => (r, s.Servers.Description))))
        {
            text.AppendLine(invariant, $"| {r.Grant} | {servers} | {r.Connections} | {r.PerSecond:0} | {r.P50Milliseconds:0.0} | {r.P99Milliseconds:0.0} | {r.MaxMilliseconds:0} | {r.Failed} | {r.ServerCpuMillisecondsPerRequest:0.00} | {r.LoadAverage} |");
        }

        text.AppendLine();
    }

    foreach (var note in notes)
    {
        text.AppendLine("- " + note);
    }

    foreach (var side in sides.Where(s => s.LoginSteps.Count > 0))
    {
        // Mean time of each request of a whole login, per row: at one worker it is the service time.
        var rows = side.LoginSteps.OrderBy(l => l.Workers).ToList();
        text.AppendLine()
            .AppendLine(invariant, $"Mean milliseconds of each request of a whole login (returning person) at the {side.Name}, by workers:")
            .AppendLine()
            .AppendLine("| # | request | " + string.Join(" | ", rows.Select(r => r.Workers.ToString(invariant))) + " |")
            .AppendLine("|---:|---|" + string.Concat(rows.Select(_ => "---:|")));
        foreach (var step in rows[0].Steps)
        {
            var cells = rows.Select(r => r.Steps.FirstOrDefault(s => s.Number == step.Number)?.MeanMilliseconds.ToString("0.00", invariant) ?? "");
            text.AppendLine(invariant, $"| {step.Number} | {step.Request} | {string.Join(" | ", cells)} |");
        }
    }

    if (totp.Count > 0)
    {
        text.AppendLine()
            .AppendLine(invariant, $"TOTP verification alone, in-process, one thread, {totp[0].Iterations:N0} calls per round, best of 3 (load average before: {totpLoad}):")
            .AppendLine()
            .AppendLine("| operation | ns/call | calls/s | bytes allocated/call |")
            .AppendLine("|---|---:|---:|---:|");
        foreach (var m in totp)
        {
            text.AppendLine(invariant, $"| {m.Operation} | {m.NanosecondsPerOperation:N0} | {m.PerSecond:N0} | {m.BytesPerOperation:0} |");
        }
    }

    return text.ToString();
}
