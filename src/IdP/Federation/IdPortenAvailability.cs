using Educloud.Idp.Settings;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Protocols;
using OpenIddict.Abstractions;
using OpenIddict.Client;

namespace Educloud.Idp.Federation;

/// <summary>
/// What this replica last saw of ID-porten's metadata (discovery document and keys), shared by the
/// OpenIddict client's configuration manager (every fetch goes through <see cref="Observe"/>) and
/// the readiness check (<see cref="IdPortenHealthCheck"/>).
/// Last good metadata: OpenIddict 7.8 builds a Microsoft.IdentityModel ConfigurationManager (8.x)
/// per registration, which keeps the configuration it has when a refresh fails and refreshes in the
/// background, so once fetched, logins go on through an outage; only a replica that never got the
/// metadata cannot start logins. For that case a failed fetch is not repeated for
/// <see cref="FailFastWindow"/>: otherwise every login would queue behind the manager's lock and
/// wait out the timeout in turn.
/// </summary>
public sealed partial class IdPortenAvailability(
    OpenIddictClientService client, IOptions<IdPortenOptions> options, TimeProvider time, ILogger<IdPortenAvailability> logger) : IDisposable
{
    /// <summary>A readiness answer is reused this long, so probes (every few seconds, per replica) never hammer ID-porten.</summary>
    public static readonly TimeSpan ProbeCacheDuration = TimeSpan.FromSeconds(30);

    /// <summary>After a failed fetch, further fetches fail at once for this long.</summary>
    public static readonly TimeSpan FailFastWindow = TimeSpan.FromSeconds(10);

    private readonly SemaphoreSlim probing = new(1, 1);

    private Observation? last;

    public sealed record Observation(bool Reachable, DateTimeOffset At);

    /// <summary>The last fetch or probe, if any.</summary>
    public Observation? Last => Volatile.Read(ref last);

    // 0: no id_token seen yet; 1: the last one carried sid; 2: the last one had none.
    private int idTokenSid;

    /// <summary>Whether the last id_token from ID-porten carried sid; null before the first login.</summary>
    public bool? IdTokensCarrySid => Volatile.Read(ref idTokenSid) switch { 1 => true, 2 => false, _ => null };

    /// <summary>
    /// Records whether an id_token carried sid. Without it the IdP cannot find the session that a
    /// front-channel (or back-channel) logout from ID-porten names: logout there would silently
    /// leave the person logged in here. It means the client is registered at Digdir without
    /// "front-channel logout with session" (frontchannel_logout_session_required); warned once per change.
    /// </summary>
    public void ObserveIdToken(bool hasSid)
    {
        var previous = Interlocked.Exchange(ref idTokenSid, hasSid ? 1 : 2);
        if (!hasSid && previous != 2)
        {
            LogNoSid(logger);
        }
        else if (hasSid && previous == 2)
        {
            LogSidAgain(logger);
        }
    }

    [LoggerMessage(EventId = 2016, Level = LogLevel.Warning, Message = "ID-porten's id_token carries no sid: logout from ID-porten cannot end sessions here. Register the client at Digdir with front-channel logout with session (frontchannel_logout_session_required)")]
    private static partial void LogNoSid(ILogger logger);

    [LoggerMessage(EventId = 2017, Level = LogLevel.Information, Message = "ID-porten's id_tokens carry sid again")]
    private static partial void LogSidAgain(ILogger logger);

    /// <summary>Wraps OpenIddict's retriever so that every fetch is recorded and a fresh failure fails fast.</summary>
    public IConfigurationRetriever<OpenIddictConfiguration> Observe(IConfigurationRetriever<OpenIddictConfiguration> inner) => new ObservedRetriever(inner, this);

    /// <summary>Whether ID-porten's metadata can be fetched: the recent answer, or a probe bounded by BackchannelTimeout.</summary>
    public async Task<Observation> CheckAsync(CancellationToken cancellationToken)
    {
        if (Fresh(ProbeCacheDuration) is { } recent)
        {
            return recent;
        }

        await probing.WaitAsync(cancellationToken);
        try
        {
            if (Fresh(ProbeCacheDuration) is { } meanwhile)
            {
                return meanwhile;
            }

            var registration = await client.GetClientRegistrationByProviderNameAsync(FederationExtensions.ProviderName, cancellationToken);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(options.Value.BackchannelTimeout);
            try
            {
                // The document retriever argument is unused by OpenIddict's retriever: it sends its own requests.
                await Observe(new OpenIddictClientRetriever(client, registration))
                    .GetConfigurationAsync(registration.ConfigurationEndpoint!.AbsoluteUri, null!, timeout.Token);
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                // Recorded (and logged on the transition) by ObservedRetriever.
            }

            return Last!;
        }
        finally
        {
            probing.Release();
        }
    }

    public void Dispose() => probing.Dispose();

    private Observation? Fresh(TimeSpan maxAge) => Last is { } seen && time.GetUtcNow() - seen.At < maxAge ? seen : null;

    private void Record(bool reachable, Exception? failure)
    {
        var previous = Interlocked.Exchange(ref last, new Observation(reachable, time.GetUtcNow()));
        if (!reachable && previous?.Reachable != false)
        {
            // The exception names the endpoint and what went wrong (refused, timeout, status); no secrets.
            LogUnreachable(logger, failure?.GetType().Name ?? "none", failure?.Message ?? "");
        }
        else if (reachable && previous?.Reachable == false)
        {
            LogReachableAgain(logger);
        }
    }

    [LoggerMessage(EventId = 2014, Level = LogLevel.Warning, Message = "ID-porten's metadata could not be fetched ({Exception}: {Reason}); logins use the last good metadata if this replica has any")]
    private static partial void LogUnreachable(ILogger logger, string exception, string reason);

    [LoggerMessage(EventId = 2015, Level = LogLevel.Information, Message = "ID-porten's metadata can be fetched again")]
    private static partial void LogReachableAgain(ILogger logger);

    private sealed class ObservedRetriever(IConfigurationRetriever<OpenIddictConfiguration> inner, IdPortenAvailability availability)
        : IConfigurationRetriever<OpenIddictConfiguration>
    {
        public async Task<OpenIddictConfiguration> GetConfigurationAsync(string address, IDocumentRetriever retriever, CancellationToken cancel)
        {
            if (availability.Fresh(FailFastWindow) is { Reachable: false })
            {
                throw new InvalidOperationException("ID-porten's metadata could not be fetched moments ago; not asked again yet.");
            }

            try
            {
                var configuration = await inner.GetConfigurationAsync(address, retriever, cancel);
                availability.Record(reachable: true, failure: null);
                return configuration;
            }
            catch (Exception e)
            {
                availability.Record(reachable: false, e);
                throw;
            }
        }
    }
}

/// <summary>
/// /health/ready's view of ID-porten. Down makes the replica Degraded, not Unhealthy: readiness
/// decides whether the load balancer sends traffic here, and every replica shares the same
/// ID-porten, so taking them all out would also stop what still works (password logins, token
/// refresh, introspection, the admin API, logins on replicas that kept the last good metadata).
/// Degraded answers 200 with a JSON body naming the failing dependency, for monitoring to alert on.
/// </summary>
public sealed class IdPortenHealthCheck(IdPortenAvailability availability) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var seen = await availability.CheckAsync(cancellationToken);
        var data = new Dictionary<string, object> { ["checked_at"] = seen.At.ToString("O", System.Globalization.CultureInfo.InvariantCulture) };
        if (!seen.Reachable)
        {
            return HealthCheckResult.Degraded("ID-porten is unreachable: new ID-porten logins may fail", data: data);
        }

        return availability.IdTokensCarrySid == false
            ? HealthCheckResult.Degraded("ID-porten's id_tokens carry no sid: logout at ID-porten cannot end sessions here (register front-channel logout with session at Digdir)", data: data)
            : HealthCheckResult.Healthy("ID-porten's metadata is reachable", data);
    }
}
