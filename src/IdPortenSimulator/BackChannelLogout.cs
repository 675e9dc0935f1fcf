using System.Buffers.Text;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Educloud.IdPortenSimulator;

/// <summary>
/// Back-channel logout (OpenID Connect Back-Channel Logout 1.0) as ID-porten sends it
/// (docs.digdir.no/docs/idporten/oidc/oidc_func_backchannel_logout): when a session ends, every
/// client in it that registered a back-channel logout URI gets an HTTP POST with a form field
/// logout_token, a JWT signed with the id_token key, typ "logout+jwt" (spec 2.4), holding iss,
/// aud, iat, exp, jti, sub, sid and the back-channel logout event, and never a nonce (spec 2.4).
/// ID-porten makes one attempt per client (2 s to connect, 5 s to answer), counts any 2xx as
/// accepted and retries nothing; so does the simulator. The POSTs go through the named HttpClient
/// <see cref="HttpClientName"/>, which a test host can point at an in-process server.
/// </summary>
internal sealed partial class BackChannelLogout(
    IHttpClientFactory httpClients, SimulatorSigningKey key, TimeProvider time, ILogger<BackChannelLogout> logger)
{
    public const string HttpClientName = "Educloud.IdPortenSimulator.BackChannelLogout";

    public const string EventType = "http://schemas.openid.net/event/backchannel-logout";

    private static readonly TimeSpan TokenLifetime = TimeSpan.FromSeconds(120);

    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);

    private static readonly JsonWebTokenHandler Handler = new() { SetDefaultTimesOnTokenCreation = false };

    /// <summary>Tells every client of <paramref name="session"/> with a back-channel URI; returns how many accepted.</summary>
    public async Task<int> SendAsync(string issuer, SimulatorSession session, IdPortenSimulatorOptions options, CancellationToken cancellationToken)
    {
        var clients = session.Clients.Keys
            .Select(options.FindClient)
            .Where(c => c?.BackChannelLogoutUri is not null)
            .Select(c => c!)
            .ToList();
        var results = await Task.WhenAll(clients.Select(c => PostAsync(issuer, session, c, cancellationToken)));
        return results.Count(accepted => accepted);
    }

    internal string CreateLogoutToken(string issuer, SimulatorSession session, SimulatedClient client)
    {
        var now = time.GetUtcNow();
        return Handler.CreateToken(new SecurityTokenDescriptor
        {
            TokenType = "logout+jwt",
            Issuer = issuer,
            Audience = client.ClientId,
            IssuedAt = now.UtcDateTime,
            Expires = (now + TokenLifetime).UtcDateTime,
            SigningCredentials = key.Credentials,
            Claims = new Dictionary<string, object>
            {
                ["jti"] = Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(16)),
                ["sub"] = SimulatorEndpoints.PairwiseSubject(client.ClientId, session.Person),
                ["sid"] = session.Sid,
                ["events"] = new Dictionary<string, object> { [EventType] = new Dictionary<string, object>() },
            },
        });
    }

    private async Task<bool> PostAsync(string issuer, SimulatorSession session, SimulatedClient client, CancellationToken cancellationToken)
    {
        using var content = new FormUrlEncodedContent([new("logout_token", CreateLogoutToken(issuer, session, client))]);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Timeout);
        try
        {
            using var response = await httpClients.CreateClient(HttpClientName).PostAsync(client.BackChannelLogoutUri, content, timeout.Token);
            if (response.IsSuccessStatusCode)
            {
                LogDelivered(logger, client.ClientId);
                return true;
            }

            LogRefused(logger, client.ClientId, (int)response.StatusCode);
            return false;
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException)
        {
            LogUnreachable(logger, client.ClientId, e.GetType().Name);
            return false;
        }
    }

    [LoggerMessage(EventId = 9501, Level = LogLevel.Information, Message = "Back-channel logout delivered to client {ClientId}.")]
    private static partial void LogDelivered(ILogger logger, string clientId);

    [LoggerMessage(EventId = 9502, Level = LogLevel.Warning, Message = "Back-channel logout to client {ClientId} answered {Status}; not retried, as ID-porten does not.")]
    private static partial void LogRefused(ILogger logger, string clientId, int status);

    [LoggerMessage(EventId = 9503, Level = LogLevel.Warning, Message = "Back-channel logout to client {ClientId} failed ({Error}); not retried, as ID-porten does not.")]
    private static partial void LogUnreachable(ILogger logger, string clientId, string error);
}
