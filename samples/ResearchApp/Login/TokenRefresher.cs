using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Educloud.ResearchApp.Settings;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.Extensions.Options;

namespace Educloud.ResearchApp.Login;

/// <summary>What became of a refresh.</summary>
public enum RefreshStatus
{
    /// <summary>New tokens (the refresh token rotated).</summary>
    Refreshed,

    /// <summary>The IdP refused the refresh token (invalid_grant): the login is over, log in again.</summary>
    Refused,

    /// <summary>The IdP could not be asked (down, timed out, 5xx): keep the session, try at the next request.</summary>
    Unavailable,
}

public sealed record RefreshResult(RefreshStatus Status, string? AccessToken = null, string? RefreshToken = null, string? IdToken = null, DateTimeOffset ExpiresAt = default);

/// <summary>
/// Refreshes the access token with the refresh token (scope offline_access) shortly before it
/// expires, at the IdP's token endpoint (RFC 6749 6). The IdP rotates refresh tokens and treats a
/// used one presented again as theft: it revokes the whole login (RFC 9700 4.14.2). A browser that
/// sends two requests at once carries the same old token in both, so concurrent refreshes of one
/// token are joined here into one call, and its result is kept for a minute for requests that
/// still carry the old cookie.
/// </summary>
/// <remarks>
/// In memory, per instance: with several instances of the app, route a person to one instance
/// (sticky sessions) or keep these results in a shared cache, or a parallel refresh on another
/// instance ends the login.
/// </remarks>
public sealed partial class TokenRefresher(
    IOptionsMonitor<OpenIdConnectOptions> oidc,
    IOptions<IdpSettings> settings,
    IdpTokens idpTokens,
    TimeProvider time,
    ILogger<TokenRefresher> logger)
{
    /// <summary>Refresh this long before the access token expires (clock skew, a slow API call).</summary>
    public static readonly TimeSpan Margin = TimeSpan.FromMinutes(1);

    private static readonly TimeSpan KeepResult = TimeSpan.FromMinutes(1);

    private readonly ConcurrentDictionary<string, (Lazy<Task<RefreshResult>> Refresh, DateTimeOffset Until)> recent = new(StringComparer.Ordinal);

    /// <summary>True when the session's access token expires within <see cref="Margin"/> (or its expiry is unknown).</summary>
    public bool IsDue(AuthenticationProperties properties) =>
        !DateTimeOffset.TryParse(properties.GetTokenValue("expires_at"), CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var expiresAt)
        || expiresAt <= time.GetUtcNow() + Margin;

    /// <summary>Redeems <paramref name="refreshToken"/> once, however many requests ask at the same time.</summary>
    public Task<RefreshResult> RefreshAsync(string refreshToken, string subject)
    {
        var now = time.GetUtcNow();
        foreach (var old in recent.Where(e => e.Value.Until <= now))
        {
            recent.TryRemove(old);
        }

        var key = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(refreshToken)));
        var entry = recent.GetOrAdd(key, _ => (new Lazy<Task<RefreshResult>>(() => RedeemAsync(refreshToken, subject)), now + KeepResult));
        return entry.Refresh.Value;
    }

    private async Task<RefreshResult> RedeemAsync(string refreshToken, string subject)
    {
        var options = oidc.Get(OpenIdConnectDefaults.AuthenticationScheme);
        var idp = settings.Value;
        try
        {
            // Not the request's token: a browser that goes away must not cancel a refresh other requests wait for.
            var configuration = await options.ConfigurationManager!.GetConfigurationAsync(CancellationToken.None);
            using var request = new HttpRequestMessage(HttpMethod.Post, configuration.TokenEndpoint)
            {
                // client_secret_post, as the OpenID Connect handler authenticates at PAR and the token
                // endpoint: an app registered through the admin API names one method, and the IdP refuses the other.
                Content = new FormUrlEncodedContent(new Dictionary<string, string>
                {
                    ["grant_type"] = "refresh_token",
                    ["refresh_token"] = refreshToken,
                    ["client_id"] = idp.ClientId,
                    ["client_secret"] = idp.ClientSecret,
                }),
            };
            using var response = await options.Backchannel.SendAsync(request, CancellationToken.None);
            var body = await response.Content.ReadAsStringAsync(CancellationToken.None);
            if ((int)response.StatusCode is 400 or 401)
            {
                LogRefused(logger, (int)response.StatusCode);
                return new RefreshResult(RefreshStatus.Refused);
            }

            if (!response.IsSuccessStatusCode)
            {
                LogUnavailable(logger, $"status {(int)response.StatusCode}");
                return new RefreshResult(RefreshStatus.Unavailable);
            }

            using var json = JsonDocument.Parse(body);
            var root = json.RootElement;
            var accessToken = root.GetProperty("access_token").GetString()!;
            var expiresIn = root.TryGetProperty("expires_in", out var e) && e.TryGetInt32(out var seconds) ? seconds : 0;
            var newRefreshToken = root.TryGetProperty("refresh_token", out var r) ? r.GetString() : null;
            var idToken = root.TryGetProperty("id_token", out var i) ? i.GetString() : null;
            if (idToken is not null)
            {
                // OIDC Core 12.2: a refreshed id_token is for this app, from the same issuer, about the same person.
                var checkedIdToken = await idpTokens.ValidateAsync(idToken, idp.ClientId, "JWT", CancellationToken.None);
                if (checkedIdToken is null || checkedIdToken.Subject != subject)
                {
                    LogBadIdToken(logger);
                    return new RefreshResult(RefreshStatus.Refused);
                }
            }

            return new RefreshResult(RefreshStatus.Refreshed, accessToken, newRefreshToken ?? refreshToken, idToken, time.GetUtcNow().AddSeconds(expiresIn));
        }
        catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException or InvalidOperationException or JsonException or KeyNotFoundException)
        {
            LogUnavailable(logger, exception.GetType().Name);
            return new RefreshResult(RefreshStatus.Unavailable);
        }
    }

    [LoggerMessage(EventId = 1101, Level = LogLevel.Information, Message = "The IdP refused the refresh token (HTTP {Status}): the session ends")]
    private static partial void LogRefused(ILogger logger, int status);

    [LoggerMessage(EventId = 1103, Level = LogLevel.Warning, Message = "The id_token of a refresh did not validate (signature, iss, aud, typ or another sub): the session ends")]
    private static partial void LogBadIdToken(ILogger logger);

    [LoggerMessage(EventId = 1102, Level = LogLevel.Warning, Message = "The access token could not be refreshed ({Reason}); the session is kept and the refresh tried again")]
    private static partial void LogUnavailable(ILogger logger, string reason);
}
