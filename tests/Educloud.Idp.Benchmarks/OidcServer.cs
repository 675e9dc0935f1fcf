namespace Educloud.Idp.Benchmarks;

/// <summary>
/// One server process the load generator talks to: an IdP replica, or the peer (node oidc-provider,
/// <see cref="PeerProcess"/>). What differs between them (addresses, endpoint paths, the person's
/// fields on the login page, extra authorization parameters) is here, so that <see cref="TokenLoad"/>
/// and <see cref="LoginDriver"/> drive both with the same code.
/// </summary>
public interface IOidcServer
{
    /// <summary>The public address (HTTPS): the issuer, pages and cookies.</summary>
    Uri Origin { get; }

    /// <summary>The same server over plain HTTP, used the way a TLS-terminating proxy would (Host and X-Forwarded-Proto).</summary>
    Uri PlainOrigin { get; }

    string AppSecret { get; }

    string MachineSecret { get; }

    string AuthorizePath { get; }

    string TokenPath { get; }

    /// <summary>
    /// Parameters the authorization request adds for this server (beyond client, PKCE, state, nonce,
    /// scope), e.g. oidc-provider's prompt=consent, without which it drops offline_access (OIDC Core 11).
    /// </summary>
    IReadOnlyList<KeyValuePair<string, string>> AuthorizeParameters { get; }

    /// <summary>
    /// The fields that say who logs in, for the page of the login that has a field named like the
    /// first of them (the IdP: the ID-porten simulator's page; the peer: its own login form).
    /// </summary>
    IReadOnlyList<KeyValuePair<string, string>> PersonFields(string pid);

    int ProcessId { get; }

    /// <summary>The <see cref="System.Diagnostics.Stopwatch"/> timestamp taken just before the process was started (cold start).</summary>
    long StartedAt { get; }

    bool HasExited { get; }

    /// <summary>CPU time (user + system) the process has used so far, read from /proc.</summary>
    TimeSpan CpuTime { get; }
}

/// <summary>The processes of one system under load (IdP replicas, or the one peer): load worker i uses <see cref="For"/>(i).</summary>
public interface IOidcServers
{
    IReadOnlyList<IOidcServer> Servers { get; }

    /// <summary>The server that load worker (or refresh chain) <paramref name="worker"/> sends every request to.</summary>
    IOidcServer For(int worker) => Servers[worker % Servers.Count];

    /// <summary>CPU time (user + system) of every process so far.</summary>
    TimeSpan CpuTime => Servers.Aggregate(TimeSpan.Zero, (sum, p) => sum + p.CpuTime);

    /// <summary>What the rows ran on, e.g. "SQLite, 1 replica".</summary>
    string Description { get; }
}
