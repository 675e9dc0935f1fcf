using Microsoft.Extensions.Options;

namespace Educloud.IdPortenSimulator;

/// <summary>
/// For tests: the simulator's single sign-on sessions seen from outside, to play Digdir's
/// verification test 7 (logout started at another service) without a browser. In a browser,
/// GET {prefix}/logout-elsewhere does the same for the browser's own session and also shows the
/// front-channel logout frames, as ID-porten's logout page does when another service logs out.
/// </summary>
public sealed class IdPortenSimulatorSessions
{
    private readonly SimulatorStore store;
    private readonly IOptionsMonitor<IdPortenSimulatorOptions> options;
    private readonly BackChannelLogout backChannel;

    internal IdPortenSimulatorSessions(SimulatorStore store, IOptionsMonitor<IdPortenSimulatorOptions> options, BackChannelLogout backChannel)
    {
        this.store = store;
        this.options = options;
        this.backChannel = backChannel;
    }

    /// <summary>How many live sessions the person (pid or eIDAS identifier) has.</summary>
    public int CountFor(string personKey) => store.SessionsOf(personKey, options.CurrentValue.SessionIdleTimeout).Count;

    /// <summary>
    /// Ends every live session of the person, as a logout at another service would, and sends
    /// back-channel logout tokens (with <paramref name="issuer"/> as iss) to the clients in them.
    /// Returns the sids that ended.
    /// </summary>
    public async Task<IReadOnlyList<string>> EndSessionsOfAsync(string personKey, string issuer, CancellationToken cancellationToken = default)
    {
        var current = options.CurrentValue;
        var ended = new List<string>();
        foreach (var session in store.SessionsOf(personKey, current.SessionIdleTimeout))
        {
            if (store.EndSession(session.Sid, current.SessionIdleTimeout) is { } gone)
            {
                ended.Add(gone.Sid);
                await backChannel.SendAsync(issuer, gone, current, cancellationToken);
            }
        }

        return ended;
    }
}
