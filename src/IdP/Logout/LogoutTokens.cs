using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using OpenIddict.Server;

namespace Educloud.Idp.Logout;

/// <summary>
/// Logout tokens (OIDC Back-Channel Logout 1.0, section 2.4): a JWT signed with the key our
/// id_tokens are signed with, so the app checks it against our JWKS as it checks an id_token;
/// <c>typ</c> logout+jwt (section 2.4.1, explicit typing against cross-JWT confusion, RFC 8725 3.11);
/// <c>iss</c>, <c>aud</c> (the app), <c>iat</c>, a short <c>exp</c>, a fresh <c>jti</c> per
/// attempt, the back-channel logout <c>events</c> member, <c>sub</c> and <c>sid</c>; never a <c>nonce</c>.
/// </summary>
public sealed class LogoutTokens(IOptionsMonitor<OpenIddictServerOptions> server, LogoutIssuer issuer, TimeProvider time)
{
    public const string Event = "http://schemas.openid.net/event/backchannel-logout";
    public const string Type = "logout+jwt";

    /// <summary>Long enough for a slow network and a skewed clock, short enough that a copy is soon worthless.</summary>
    public static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(2);

    public string Create(string clientId, string subject, string sessionId)
    {
        var now = time.GetUtcNow().UtcDateTime;
        // The id_token's key: OpenIddict signs id_tokens with the first asymmetric signing key.
        var credentials = server.CurrentValue.SigningCredentials.First(c => c.Key is AsymmetricSecurityKey);
        var descriptor = new SecurityTokenDescriptor
        {
            TokenType = Type,
            Issuer = issuer.Value,
            Audience = clientId,
            IssuedAt = now,
            Expires = now + Lifetime,
            SigningCredentials = credentials,
            Claims = new Dictionary<string, object>
            {
                [JwtRegisteredClaimNames.Sub] = subject,
                ["sid"] = sessionId,
                [JwtRegisteredClaimNames.Jti] = Guid.NewGuid().ToString("N"),
                ["events"] = new Dictionary<string, object> { [Event] = new Dictionary<string, object>() },
            },
        };
        // Times from our TimeProvider only (no nbf: section 2.4 does not ask for one).
        return new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false }.CreateToken(descriptor);
    }
}
