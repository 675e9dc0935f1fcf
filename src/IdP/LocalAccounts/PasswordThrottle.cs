using System.Collections.Concurrent;
using System.Net;
using Educloud.Idp.Hosting;
using Microsoft.Extensions.Options;

namespace Educloud.Idp.LocalAccounts;

/// <summary>
/// Slows password guessing without a lockout anyone can trigger (what Identity's lockout was: five
/// wrong passwords from anywhere locked the real person out, an admin too). Counts wrong
/// passwords per (username, client address) and per username, for usernames that exist and those
/// that do not alike (so a refusal tells nothing about the username).
/// <para>
/// The counts live in memory, per replica (docs/decisions.md, "Hardening (issue 8): limits"): they
/// are a brake on online guessing, not a security boundary (the password is only the first factor;
/// the one-time code's count is in the database). With N replicas behind a load balancer an
/// attacker gets up to N times the budget; a restart forgets the counts.
/// </para>
/// </summary>
public sealed class PasswordThrottle(TimeProvider time, IOptions<LocalAccountOptions> options)
{
    // Entries are dropped once idle this long; the map never grows beyond MaxEntries (oldest go first).
    private static readonly TimeSpan Retention = TimeSpan.FromDays(1);
    private static readonly TimeSpan KnownAddressLifetime = TimeSpan.FromDays(30);
    private const int MaxEntries = 100_000;
    private const int KnownAddressesPerUser = 10;

    private readonly ConcurrentDictionary<string, Pair> pairs = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Person> people = new(StringComparer.Ordinal);

    private LocalAccountOptions Settings => options.Value;

    /// <summary>How long this address must wait before it may try this username again; null when it may now.</summary>
    public TimeSpan? WaitFor(string userName, IPAddress? address)
    {
        var now = time.GetUtcNow();
        var (user, from) = (Normalize(userName), ClientAddress.Key(address));
        if (pairs.TryGetValue(PairKey(user, from), out var pair))
        {
            lock (pair)
            {
                if (pair.BlockedUntil > now)
                {
                    return pair.BlockedUntil - now;
                }
            }
        }

        if (people.TryGetValue(user, out var person))
        {
            lock (person)
            {
                var windowEnd = person.WindowStart + TimeSpan.FromHours(1);
                if (windowEnd > now && person.Failures >= Settings.PasswordFailuresPerUsernamePerHour
                    && !person.Known.Any(k => k.Address == from && k.At + KnownAddressLifetime > now))
                {
                    return windowEnd - now;
                }
            }
        }

        return null;
    }

    public void Failed(string userName, IPAddress? address)
    {
        var now = time.GetUtcNow();
        var (user, from) = (Normalize(userName), ClientAddress.Key(address));
        Prune(now);
        var pair = pairs.GetOrAdd(PairKey(user, from), _ => new Pair());
        lock (pair)
        {
            if (pair.LastFailure + Retention < now)
            {
                pair.Failures = 0;
            }

            pair.Failures++;
            pair.LastFailure = now;
            var beyond = pair.Failures - Settings.PasswordFailuresPerAddress;
            if (beyond >= 0)
            {
                // PasswordFirstWait after the last free one, doubling per further wrong password
                // (at most a day times 2^20: no overflow), up to PasswordMaxWait.
                var wait = TimeSpan.FromTicks(Settings.PasswordFirstWait.Ticks << Math.Min(beyond, 20));
                pair.BlockedUntil = now + (wait < Settings.PasswordMaxWait ? wait : Settings.PasswordMaxWait);
            }
        }

        var person = people.GetOrAdd(user, _ => new Person());
        lock (person)
        {
            if (person.WindowStart + TimeSpan.FromHours(1) <= now)
            {
                person.WindowStart = now;
                person.Failures = 0;
            }

            person.Failures++;
            person.LastSeen = now;
        }
    }

    /// <summary>A right password: this address starts afresh for this username and becomes one it may use during a campaign.</summary>
    public void Succeeded(string userName, IPAddress? address)
    {
        var now = time.GetUtcNow();
        var (user, from) = (Normalize(userName), ClientAddress.Key(address));
        pairs.TryRemove(PairKey(user, from), out _);
        var person = people.GetOrAdd(user, _ => new Person { WindowStart = DateTimeOffset.MinValue });
        lock (person)
        {
            person.Known.RemoveAll(k => k.Address == from || k.At + KnownAddressLifetime <= now);
            person.Known.Add((from, now));
            if (person.Known.Count > KnownAddressesPerUser)
            {
                person.Known.RemoveAt(0);
            }

            person.LastSeen = now;
        }
    }

    /// <summary>Forgets every count for the username (a new password was set with support's enrollment code).</summary>
    public void Forget(string userName)
    {
        var user = Normalize(userName);
        if (people.TryGetValue(user, out var person))
        {
            lock (person)
            {
                person.Failures = 0;
            }
        }

        foreach (var key in pairs.Keys.Where(k => k.StartsWith(user + "\n", StringComparison.Ordinal)))
        {
            pairs.TryRemove(key, out _);
        }
    }

    private void Prune(DateTimeOffset now)
    {
        if (pairs.Count + people.Count < MaxEntries)
        {
            return;
        }

        foreach (var (key, pair) in pairs)
        {
            if (pair.LastFailure + Retention < now || pair.BlockedUntil <= now)
            {
                pairs.TryRemove(key, out _);
            }
        }

        foreach (var (key, person) in people)
        {
            if (person.LastSeen + KnownAddressLifetime < now || (person.Known.Count == 0 && person.WindowStart + TimeSpan.FromHours(1) <= now))
            {
                people.TryRemove(key, out _);
            }
        }

        if (pairs.Count + people.Count >= MaxEntries)
        {
            // Still full (a flood of usernames from very many addresses): forget the waits rather than
            // grow without bound; the per-IP rate limit and the second factor still stand.
            pairs.Clear();
        }
    }

    // Identity compares usernames case-insensitively; so does the throttle.
    private static string Normalize(string userName) => userName.Trim().ToUpperInvariant();

    private static string PairKey(string user, string from) => user + "\n" + from;

    private sealed class Pair
    {
        public int Failures;
        public DateTimeOffset LastFailure;
        public DateTimeOffset BlockedUntil;
    }

    private sealed class Person
    {
        public DateTimeOffset WindowStart;
        public int Failures;
        public DateTimeOffset LastSeen;
        public List<(string Address, DateTimeOffset At)> Known = [];
    }
}
