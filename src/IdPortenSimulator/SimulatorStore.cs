using System.Collections.Concurrent;

namespace Educloud.IdPortenSimulator;

/// <summary>An authorization request that passed every check: from /authorize's query or from /par.</summary>
internal sealed record AuthorizeRequest(
    SimulatedClient Client,
    string RedirectUri,
    string State,
    string Nonce,
    string CodeChallenge,
    string Scope,
    int MinimumLevel,
    string Locale,
    string PageLanguage,
    bool PromptLogin,
    bool PromptNone,
    long? MaxAge);

internal sealed record AuthorizationCodeGrant(
    string ClientId,
    string RedirectUri,
    string CodeChallenge,
    string Nonce,
    string Scope,
    LoggedInPerson Person,
    string Acr,
    DateTimeOffset AuthTime,
    string Sid,
    string Locale,
    DateTimeOffset ExpiresAt);

internal sealed record AccessTokenGrant(string ClientId, string Sub, string? Pid, DateTimeOffset ExpiresAt);

/// <summary>A pushed authorization request (RFC 9126), usable once before it expires.</summary>
internal sealed record PushedRequest(AuthorizeRequest Request, DateTimeOffset ExpiresAt);

/// <summary>A login page on screen: its form carries only this transaction's id, never the request itself.</summary>
internal sealed record PendingLogin(AuthorizeRequest Request, DateTimeOffset ExpiresAt);

/// <summary>
/// A simulated ID-porten single sign-on session, the thing that <c>sid</c> names: one browser
/// (cookie), one person, and every client that got a login from it (each is told at logout).
/// </summary>
internal sealed class SimulatorSession(string sid, string browserKey, LoggedInPerson person, int level, DateTimeOffset authTime, DateTimeOffset expiresAt)
{
    private long lastUsedTicks = authTime.UtcTicks;

    public string Sid { get; } = sid;

    public string BrowserKey { get; } = browserKey;

    public LoggedInPerson Person { get; } = person;

    public int Level { get; } = level;

    public string Acr => Levels.Acr(Level, Person.IsEidas);

    public DateTimeOffset AuthTime { get; } = authTime;

    public DateTimeOffset ExpiresAt { get; } = expiresAt;

    public DateTimeOffset LastUsed
    {
        get => new(Interlocked.Read(ref lastUsedTicks), TimeSpan.Zero);
        set => Interlocked.Exchange(ref lastUsedTicks, value.UtcTicks);
    }

    /// <summary>Client ids that got a login within this session, in the order they got it.</summary>
    public ConcurrentDictionary<string, DateTimeOffset> Clients { get; } = new(StringComparer.Ordinal);
}

/// <summary>
/// In-memory state. Single process only, which is all a simulator needs; every entry has an
/// expiry, and expired entries are swept now and then so that a long dev session does not grow.
/// </summary>
internal sealed class SimulatorStore(TimeProvider time)
{
    private static readonly TimeSpan SweepInterval = TimeSpan.FromMinutes(1);

    private readonly ConcurrentDictionary<string, AuthorizationCodeGrant> codes = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, AccessTokenGrant> accessTokens = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, SimulatorSession> sessions = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, string> sidsByBrowser = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, DateTimeOffset> assertionIds = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, PushedRequest> pushedRequests = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, PendingLogin> pendingLogins = new(StringComparer.Ordinal);
    private long nextSweepTicks;

    public DateTimeOffset Now => time.GetUtcNow();

    public void AddCode(string code, AuthorizationCodeGrant grant)
    {
        Sweep();
        codes[code] = grant;
    }

    /// <summary>Removes the code whatever happens next, so that it can be redeemed at most once.</summary>
    public AuthorizationCodeGrant? TakeCode(string code) =>
        codes.TryRemove(code, out var grant) && grant.ExpiresAt > Now ? grant : null;

    public void AddAccessToken(string token, AccessTokenGrant grant)
    {
        Sweep();
        accessTokens[token] = grant;
    }

    public AccessTokenGrant? FindAccessToken(string token) =>
        accessTokens.TryGetValue(token, out var grant) && grant.ExpiresAt > Now ? grant : null;

    public void AddPushedRequest(string requestUri, PushedRequest request)
    {
        Sweep();
        pushedRequests[requestUri] = request;
    }

    /// <summary>Removes the pushed request whatever happens next: a request_uri is used once (RFC 9126 4).</summary>
    public PushedRequest? TakePushedRequest(string requestUri) =>
        pushedRequests.TryRemove(requestUri, out var request) && request.ExpiresAt > Now ? request : null;

    public void AddPendingLogin(string transaction, PendingLogin login)
    {
        Sweep();
        pendingLogins[transaction] = login;
    }

    public PendingLogin? FindPendingLogin(string transaction) =>
        pendingLogins.TryGetValue(transaction, out var login) && login.ExpiresAt > Now ? login : null;

    /// <summary>True for the one caller that ends the transaction (a double-clicked form logs in once).</summary>
    public bool EndPendingLogin(string transaction) => pendingLogins.TryRemove(transaction, out _);

    /// <summary>Starts a session for a browser, replacing (silently ending) any it had.</summary>
    public void AddSession(SimulatorSession session)
    {
        Sweep();
        sessions[session.Sid] = session;
        if (sidsByBrowser.TryGetValue(session.BrowserKey, out var previous) && previous != session.Sid)
        {
            sessions.TryRemove(previous, out _);
        }

        sidsByBrowser[session.BrowserKey] = session.Sid;
    }

    /// <summary>The browser's live session (neither idle too long nor too old), marked as used now.</summary>
    public SimulatorSession? FindBrowserSession(string? browserKey, TimeSpan idleTimeout)
    {
        if (browserKey is null || !sidsByBrowser.TryGetValue(browserKey, out var sid) ||
            !sessions.TryGetValue(sid, out var session))
        {
            return null;
        }

        return IsLive(session, idleTimeout) ? session : null;
    }

    /// <summary>Ends a live session by sid; null when there is none (never was, ended, or timed out).</summary>
    public SimulatorSession? EndSession(string sid, TimeSpan idleTimeout)
    {
        if (!sessions.TryRemove(sid, out var session))
        {
            return null;
        }

        sidsByBrowser.TryRemove(new KeyValuePair<string, string>(session.BrowserKey, sid));
        return IsLive(session, idleTimeout) ? session : null;
    }

    /// <summary>Every live session of a person (a pid or an eIDAS identifier).</summary>
    public IReadOnlyList<SimulatorSession> SessionsOf(string personKey, TimeSpan idleTimeout) =>
        sessions.Values.Where(s => s.Person.Key == personKey && IsLive(s, idleTimeout)).ToList();

    /// <summary>False when this client assertion id was seen before (replay).</summary>
    public bool TryUseAssertionId(string clientId, string jti, DateTimeOffset expiresAt)
    {
        Sweep();
        return assertionIds.TryAdd(clientId + "\n" + jti, expiresAt);
    }

    private bool IsLive(SimulatorSession session, TimeSpan idleTimeout)
    {
        var now = Now;
        return session.ExpiresAt > now && session.LastUsed + idleTimeout > now;
    }

    private void Sweep()
    {
        var now = Now;
        var next = Interlocked.Read(ref nextSweepTicks);
        if (now.UtcTicks < next || Interlocked.CompareExchange(ref nextSweepTicks, (now + SweepInterval).UtcTicks, next) != next)
        {
            return;
        }

        Purge(codes, g => g.ExpiresAt <= now);
        Purge(accessTokens, g => g.ExpiresAt <= now);
        Purge(sessions, s => s.ExpiresAt <= now);
        Purge(assertionIds, expiresAt => expiresAt <= now);
        Purge(pushedRequests, r => r.ExpiresAt <= now);
        Purge(pendingLogins, l => l.ExpiresAt <= now);
        Purge(sidsByBrowser, sid => !sessions.ContainsKey(sid));
    }

    private static void Purge<T>(ConcurrentDictionary<string, T> entries, Func<T, bool> expired)
    {
        foreach (var entry in entries)
        {
            if (expired(entry.Value))
            {
                entries.TryRemove(entry);
            }
        }
    }
}
