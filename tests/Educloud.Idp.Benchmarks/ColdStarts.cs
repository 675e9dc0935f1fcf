using System.Diagnostics;

namespace Educloud.Idp.Benchmarks;

/// <summary>
/// First token after a cold start: from just before the process is started to the first successful
/// client_credentials token response, polling the token endpoint every 10 ms (plain HTTP with Host and
/// X-Forwarded-Proto, as the load). Measured on fresh processes after the rows, one at a time.
/// </summary>
public sealed record ColdStarts(TimeSpan IdpFirst, TimeSpan IdpRestart, TimeSpan Peer)
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(90);

    /// <summary>
    /// The IdP twice on one SQLite file in its own folder: first on an empty one (migrations, key
    /// generation), then restarted on it (keys and schema exist: a restart or a new replica); the
    /// peer once (in-memory, so every start is like the first; its keys are files written before it starts).
    /// </summary>
    public static async Task<ColdStarts> MeasureAsync(string idpPath, string peerFolder, string temp, BenchmarkOptions options)
    {
        var idpFolder = Path.Combine(temp, "cold-idp");
        var first = await IdpAsync(idpPath, idpFolder, keep: true, options);
        var restart = await IdpAsync(idpPath, idpFolder, options.Keep, options);
        await using var peer = await PeerProcess.StartAsync(peerFolder, Path.Combine(temp, "cold-peer"), waitUntilReady: false);
        return new ColdStarts(first, restart, await FirstTokenAsync(peer));
    }

    private static async Task<TimeSpan> IdpAsync(string idpPath, string folder, bool keep, BenchmarkOptions options)
    {
        await using var idp = await IdpProcess.StartAsync(idpPath, folder, 0, keep, options.ExtraEnvironment, waitUntilReady: false);
        return await FirstTokenAsync(idp);
    }

    private static async Task<TimeSpan> FirstTokenAsync(IOidcServer server)
    {
        using var http = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false }) { Timeout = TimeSpan.FromSeconds(5) };
        var authentication = LoginDriver.BasicAuthentication(IdpProcess.MachineClientId, server.MachineSecret);
        while (Stopwatch.GetElapsedTime(server.StartedAt) < Limit && !server.HasExited)
        {
            try
            {
                using var request = TokenLoad.TokenRequest(new Uri(server.PlainOrigin, server.TokenPath), "grant_type=client_credentials", authentication, proxiedFor: server);
                using var response = await http.SendAsync(request);
                var body = await response.Content.ReadAsStringAsync();
                var elapsed = Stopwatch.GetElapsedTime(server.StartedAt);
                if (response.IsSuccessStatusCode && body.Contains("\"access_token\"", StringComparison.Ordinal))
                {
                    return elapsed;
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                // Not listening yet, or not answering yet: poll again.
            }

            // A short poll interval, not a fixed wait: the loop ends at the first token.
            await Task.Delay(TimeSpan.FromMilliseconds(10));
        }

        throw new InvalidOperationException($"No client_credentials token from {server.PlainOrigin} within {Limit.TotalSeconds:0} s of its start (exited: {server.HasExited}).");
    }
}
