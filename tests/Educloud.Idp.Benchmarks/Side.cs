using System.Globalization;
using System.Text;

namespace Educloud.Idp.Benchmarks;

/// <summary>
/// One system under load and what it measured: the IdP (its replicas) or, with --peer, node
/// oidc-provider. Both run the same rows through the same <see cref="TokenLoad"/> and <see cref="LoginDriver"/>.
/// </summary>
public sealed class Side(string name, IOidcServers servers, TokenLoad load, LoginDriver logins)
{
    public string Name { get; } = name;

    public IOidcServers Servers { get; } = servers;

    public TokenLoad Load { get; } = load;

    public LoginDriver Logins { get; } = logins;

    /// <summary>People for the whole-login rows.</summary>
    public PersonPool Pool { get; } = new();

    /// <summary>The people whose refresh chains the refresh workers rotate (worker i: chain i).</summary>
    public Person[] ChainPeople { get; set; } = [];

    public string[] Chains { get; set; } = [];

    public List<RunResult> Results { get; } = [];

    /// <summary>Open-loop rows at half the rate of the closed-loop row before them (--no-half-rate: none).</summary>
    public List<RunResult> HalfRate { get; } = [];

    /// <summary>Mean time of each request of a login, per login row (by workers).</summary>
    public List<(int Workers, IReadOnlyList<StepMean> Steps)> LoginSteps { get; } = [];

    /// <summary>Resident memory at the end of the rows (peak so far, and now).</summary>
    public ProcessMemory? Memory { get; set; }

    /// <summary>
    /// The IdP beside the peer, row by row (same grant and workers), then memory and cold start, with
    /// the ratio IdP / peer: above 1 the IdP's figure is the higher (better for rates, worse for
    /// latency, CPU, memory and time). Round k of a row on the IdP is paired with round k on the peer
    /// (run one right after the other); a row's ratio is the median of its rounds' ratios.
    /// </summary>
    public static string Comparison(Side idp, Side peer, ColdStarts? cold)
    {
        var invariant = CultureInfo.InvariantCulture;
        var text = new StringBuilder()
            .AppendLine(invariant, $"The IdP ({idp.Servers.Description}) beside the peer ({peer.Servers.Description}), same load, each row on both in turn (order swapped every round); ratio = IdP / peer, the median of the rounds' ratios (each round's in brackets); other figures are medians over the rounds:")
            .AppendLine()
            .AppendLine("| grant | workers | IdP /s | peer /s | IdP/peer (rounds) | IdP p99 ms | peer p99 ms | IdP CPU ms each | peer CPU ms each | IdP/peer CPU | errors IdP/peer | load avg IdP/peer |")
            .AppendLine("|---|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var row in idp.Results.GroupBy(r => (r.Grant, r.Connections)))
        {
            var mine = row.ToList();
            var theirs = peer.Results.Where(r => (r.Grant, r.Connections) == row.Key).ToList();
            var pairs = mine.Zip(theirs).ToList();
            if (pairs.Count == 0)
            {
                continue;
            }

            var ratios = pairs.Select(p => p.Second.PerSecond > 0 ? p.First.PerSecond / p.Second.PerSecond : 0).ToList();
            var cpuRatios = pairs.Select(p => p.Second.ServerCpuMillisecondsPerRequest > 0 ? p.First.ServerCpuMillisecondsPerRequest / p.Second.ServerCpuMillisecondsPerRequest : 0).ToList();
            var rounds = string.Join(", ", ratios.Select(r => r.ToString("0.00", invariant)));
            text.AppendLine(invariant,
                $"| {row.Key.Grant} | {row.Key.Connections} | {Median(mine, r => r.PerSecond):0} | {Median(theirs, r => r.PerSecond):0} | **{Median(ratios, r => r):0.00}** ({rounds}) | " +
                $"{Median(mine, r => r.P99Milliseconds):0.0} | {Median(theirs, r => r.P99Milliseconds):0.0} | {Median(mine, r => r.ServerCpuMillisecondsPerRequest):0.00} | {Median(theirs, r => r.ServerCpuMillisecondsPerRequest):0.00} | {Median(cpuRatios, r => r):0.00} | " +
                $"{mine.Sum(r => r.Failed)}/{theirs.Sum(r => r.Failed)} | {string.Join(" ", mine.Select(r => r.LoadAverage))}/{string.Join(" ", theirs.Select(r => r.LoadAverage))} |");
        }

        var halfRate = idp.HalfRate.GroupBy(r => r.Grant).ToList();
        if (halfRate.Count > 0)
        {
            text.AppendLine()
                .AppendLine("Latency at half the maximum rate: each side's open-loop row at half the rate its closed-loop row before it reached (latency from when each request was due; medians over the rounds):")
                .AppendLine()
                .AppendLine("| grant | workers | IdP /s | IdP p50 ms | IdP p99 ms | peer /s | peer p50 ms | peer p99 ms | errors IdP/peer |")
                .AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
            foreach (var row in halfRate)
            {
                var mine = row.ToList();
                var theirs = peer.HalfRate.Where(r => r.Grant == row.Key).ToList();
                text.AppendLine(invariant,
                    $"| {row.Key} | {mine[0].Connections} | {Median(mine, r => r.PerSecond):0} | {Median(mine, r => r.P50Milliseconds):0.0} | **{Median(mine, r => r.P99Milliseconds):0.0}** | " +
                    $"{Median(theirs, r => r.PerSecond):0} | {Median(theirs, r => r.P50Milliseconds):0.0} | {Median(theirs, r => r.P99Milliseconds):0.0} | {mine.Sum(r => r.Failed)}/{theirs.Sum(r => r.Failed)} |");
            }
        }

        text.AppendLine()
            .AppendLine("| measure | IdP | peer | IdP/peer |")
            .AppendLine("|---|---:|---:|---:|");
        if (idp.Memory is { } a && peer.Memory is { } b)
        {
            text.AppendLine(invariant, $"| peak resident memory (VmHWM, whole life incl. setup), MiB | {a.PeakMebibytes:0} | {b.PeakMebibytes:0} | {Ratio(a.PeakMebibytes, b.PeakMebibytes)} |")
                .AppendLine(invariant, $"| resident memory at the end of the rows (VmRSS), MiB | {a.CurrentMebibytes:0} | {b.CurrentMebibytes:0} | {Ratio(a.CurrentMebibytes, b.CurrentMebibytes)} |");
        }

        if (cold is not null)
        {
            text.AppendLine(invariant, $"| first token after a cold start, ms (IdP: restart on its SQLite file; peer: in-memory) | {cold.IdpRestart.TotalMilliseconds:0} | {cold.Peer.TotalMilliseconds:0} | {Ratio(cold.IdpRestart.TotalMilliseconds, cold.Peer.TotalMilliseconds)} |")
                .AppendLine(invariant, $"| first token after the IdP's first start (empty SQLite file: migrations, keys), ms | {cold.IdpFirst.TotalMilliseconds:0} | {cold.Peer.TotalMilliseconds:0} | {Ratio(cold.IdpFirst.TotalMilliseconds, cold.Peer.TotalMilliseconds)} |");
        }

        return text.ToString();
    }

    private static double Median<T>(IReadOnlyList<T> items, Func<T, double> value)
    {
        var sorted = items.Select(value).Order().ToList();
        return sorted.Count == 0 ? 0 : sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
    }

    private static string Ratio(double idp, double peer) =>
        peer > 0 ? (idp / peer).ToString("0.00", CultureInfo.InvariantCulture) : "–";
}
