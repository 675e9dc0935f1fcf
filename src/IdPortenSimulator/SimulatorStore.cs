using System.Collections.Concurrent;

namespace Educloud.IdPortenSimulator;

internal sealed record AuthorizationCodeGrant(
    string ClientId,
    string RedirectUri,
    string CodeChallenge,
    string Nonce,
    string Scope,
    string Pid,
    string Acr,
    DateTimeOffset AuthTime,
    string Sid,
    string Locale,
    DateTimeOffset ExpiresAt);

internal sealed record AccessTokenGrant(string ClientId, string Sub, string Pid, DateTimeOffset ExpiresAt);

/// <summary>A simulated ID-porten login session, the thing that <c>sid</c> names.</summary>
internal sealed record SimulatorSession(string Sid, string Pid, string ClientId, DateTimeOffset ExpiresAt);

/// <summary>
/// In-memory state. Single process only, which is all a simulator needs; every entry has an
/// expiry, and expired entries are swept now and then so that a long dev session does not grow.
/// </summary>
internal sealed class SimulatorStore(TimeProvider time)
{
    // ID-porten's SSO session lasts at most 120 minutes.
    public static readonly TimeSpan SessionLifetime = TimeSpan.FromMinutes(120);

    private static readonly TimeSpan SweepInterval = TimeSpan.FromMinutes(1);

    private readonly ConcurrentDictionary<string, AuthorizationCodeGrant> codes = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, AccessTokenGrant> accessTokens = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, SimulatorSession> sessions = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, DateTimeOffset> assertionIds = new(StringComparer.Ordinal);
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

    public void AddSession(SimulatorSession session)
    {
        Sweep();
        sessions[session.Sid] = session;
    }

    public SimulatorSession? EndSession(string sid) =>
        sessions.TryRemove(sid, out var session) && session.ExpiresAt > Now ? session : null;

    /// <summary>False when this client assertion id was seen before (replay).</summary>
    public bool TryUseAssertionId(string clientId, string jti, DateTimeOffset expiresAt)
    {
        Sweep();
        return assertionIds.TryAdd(clientId + "\n" + jti, expiresAt);
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
