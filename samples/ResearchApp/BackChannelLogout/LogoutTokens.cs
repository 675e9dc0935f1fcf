using System.Text.Json;
using Educloud.ResearchApp.Login;
using Educloud.ResearchApp.Settings;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;

namespace Educloud.ResearchApp.BackChannelLogout;

/// <summary>
/// Checks a logout token as OpenID Connect Back-Channel Logout 1.0, section 2.6, asks: signature
/// with a key of the IdP's JWKS and an asymmetric algorithm, <c>iss</c> the IdP's, <c>aud</c> this
/// app's client id, <c>typ</c> logout+jwt (section 2.4: explicit typing, so no other JWT of the IdP
/// is taken for one), <c>events</c> with the back-channel logout event, <c>iat</c> recent, a
/// <c>sid</c> or a <c>sub</c>, and no <c>nonce</c> (what tells it from an id_token).
/// </summary>
public sealed class LogoutTokens(IdpTokens idpTokens, IOptions<IdpSettings> settings, TimeProvider time)
{
    public const string Event = "http://schemas.openid.net/event/backchannel-logout";

    /// <summary>How old a logout token may be (its iat). The IdP signs each delivery when it sends it.</summary>
    public static readonly TimeSpan MaxAge = TimeSpan.FromMinutes(5);

    /// <summary>Clock skew tolerated on iat and exp.</summary>
    public static readonly TimeSpan Skew = TimeSpan.FromMinutes(1);

    /// <summary>The token, or null and why not (for the log, never for the caller).</summary>
    public async Task<(JsonWebToken? Token, string? Problem)> ValidateAsync(string logoutToken, CancellationToken cancellationToken)
    {
        var token = await idpTokens.ValidateAsync(logoutToken, settings.Value.ClientId, "logout+jwt", cancellationToken);
        if (token is null)
        {
            return (null, "signature, iss, aud or typ");
        }

        return Problem(token, time.GetUtcNow()) is { } problem ? (null, problem) : (token, null);
    }

    private static string? Problem(JsonWebToken token, DateTimeOffset now)
    {
        if (!token.TryGetPayloadValue<JsonElement>("events", out var events) || events.ValueKind != JsonValueKind.Object
            || !events.TryGetProperty(Event, out var logout) || logout.ValueKind != JsonValueKind.Object)
        {
            return "no back-channel logout event";
        }

        if (token.TryGetClaim("nonce", out _))
        {
            return "a nonce";
        }

        if (string.IsNullOrEmpty(Sid(token)) && string.IsNullOrEmpty(token.Subject))
        {
            return "neither sid nor sub";
        }

        if (!token.TryGetClaim("iat", out _))
        {
            return "no iat";
        }

        var issuedAt = new DateTimeOffset(token.IssuedAt, TimeSpan.Zero);
        if (issuedAt < now - MaxAge || issuedAt > now + Skew)
        {
            return "iat not recent";
        }

        if (token.TryGetClaim("exp", out _) && new DateTimeOffset(token.ValidTo, TimeSpan.Zero) < now - Skew)
        {
            return "expired";
        }

        return null;
    }

    public static string? Sid(JsonWebToken token) => token.TryGetPayloadValue<string>("sid", out var sid) ? sid : null;
}
