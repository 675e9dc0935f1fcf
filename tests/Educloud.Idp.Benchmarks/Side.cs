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

    /// <summary>Mean time of each request of a login, per login row (by workers).</summary>
    public List<(int Workers, IReadOnlyList<StepMean> Steps)> LoginSteps { get; } = [];

    /// <summary>Resident memory at the end of the rows (peak so far, and now).</summary>
    public ProcessMemory? Memory { get; set; }

    /// <summary>
    /// The IdP beside the peer, row by row (same grant and workers), then memory and cold start, with
    /// the ratio IdP / peer: above 1 the IdP's figure is the higher (better for rates, worse for
    /// latency, CPU, memory and time).
    /// </summary>
    public static string Comparison(Side idp, Side peer, ColdStarts? cold)
    {
        var invariant = CultureInfo.InvariantCulture;
        var text = new StringBuilder()
            .AppendLine(invariant, $"The IdP ({idp.Servers.Description}) beside the peer ({peer.Servers.Description}), same load, rows run one after the other (the IdP's first); ratio = IdP / peer:")
            .AppendLine()
            .AppendLine("| grant | workers | IdP /s | peer /s | IdP/peer | IdP p50 ms | peer p50 ms | IdP p99 ms | peer p99 ms | IdP CPU ms each | peer CPU ms each | IdP/peer CPU | errors IdP/peer | load avg IdP/peer |")
            .AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var mine in idp.Results)
        {
            var theirs = peer.Results.FirstOrDefault(r => r.Grant == mine.Grant && r.Connections == mine.Connections);
            if (theirs is null)
            {
                continue;
            }

            text.AppendLine(invariant,
                $"| {mine.Grant} | {mine.Connections} | {mine.PerSecond:0} | {theirs.PerSecond:0} | {Ratio(mine.PerSecond, theirs.PerSecond)} | {mine.P50Milliseconds:0.0} | {theirs.P50Milliseconds:0.0} | {mine.P99Milliseconds:0.0} | {theirs.P99Milliseconds:0.0} | " +
                $"{mine.ServerCpuMillisecondsPerRequest:0.00} | {theirs.ServerCpuMillisecondsPerRequest:0.00} | {Ratio(mine.ServerCpuMillisecondsPerRequest, theirs.ServerCpuMillisecondsPerRequest)} | {mine.Failed}/{theirs.Failed} | {mine.LoadAverage}/{theirs.LoadAverage} |");
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

    private static string Ratio(double idp, double peer) =>
        peer > 0 ? (idp / peer).ToString("0.00", CultureInfo.InvariantCulture) : "–";
}
