using System.Collections.Concurrent;
using System.Security.Claims;

namespace Educloud.ResearchApp.BackChannelLogout;

/// <summary>
/// The IdP sessions the IdP said have ended (back-channel logout), so that the cookie handler can
/// refuse this app's sessions made from them (<see cref="Login.SessionValidation"/>): an ended
/// <c>sid</c>, or, for a logout token with only a <c>sub</c>, every session of that person that
/// started before it.
/// </summary>
/// <remarks>
/// A sample's store: in memory, per instance, and forgotten at a restart. Each entry is kept for
/// <see cref="Remember"/>, the longest a cookie of this app lives, and no longer. A real app with
/// several instances (or restarts that must not revive sessions) keeps this in a shared store
/// (a distributed cache, its database), or keeps its sessions server-side and deletes them.
/// </remarks>
public sealed class EndedSessions(TimeProvider time)
{
    /// <summary>The app's cookie lives at most this long (LoginExtensions), so an ended session is remembered as long.</summary>
    public static readonly TimeSpan Remember = TimeSpan.FromHours(12);

    private readonly ConcurrentDictionary<string, DateTimeOffset> sessions = new(StringComparer.Ordinal);

    /// <summary>Per person: when their sessions were ended (logout token without sid).</summary>
    private readonly ConcurrentDictionary<string, DateTimeOffset> people = new(StringComparer.Ordinal);

    public void EndSession(string sid)
    {
        Forget();
        sessions[sid] = time.GetUtcNow();
    }

    public void EndEverySessionOf(string sub)
    {
        Forget();
        people[sub] = time.GetUtcNow();
    }

    /// <summary>True when the IdP ended the session this cookie was made from.</summary>
    public bool HasEnded(ClaimsPrincipal user, DateTimeOffset? cookieIssued)
    {
        if (user.FindFirst("sid")?.Value is { } sid && sessions.ContainsKey(sid))
        {
            return true;
        }

        return user.FindFirst("sub")?.Value is { } sub && people.TryGetValue(sub, out var endedAt)
            && (cookieIssued is null || cookieIssued <= endedAt);
    }

    private void Forget()
    {
        var before = time.GetUtcNow() - Remember;
        foreach (var entry in sessions.Where(e => e.Value < before))
        {
            sessions.TryRemove(entry);
        }

        foreach (var entry in people.Where(e => e.Value < before))
        {
            people.TryRemove(entry);
        }
    }
}
