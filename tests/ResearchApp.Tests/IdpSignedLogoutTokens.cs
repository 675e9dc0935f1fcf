using Educloud.Idp.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using OpenIddict.Server;

namespace Educloud.ResearchApp.Tests;

/// <summary>
/// Logout tokens signed with the in-process IdP's own signing key (the key its JWKS publishes), as
/// the IdP sends them, and the ways a test spoils one.
/// </summary>
public sealed class IdpSignedLogoutTokens(IdpHost idp)
{
    public const string Event = "http://schemas.openid.net/event/backchannel-logout";

    /// <summary>A valid logout token for the sample app, ending <paramref name="sid"/>, changed by <paramref name="change"/>.</summary>
    public string Create(string? sid, string? sub = null, Action<SecurityTokenDescriptor>? change = null)
    {
        var now = idp.Clock.GetUtcNow().UtcDateTime;
        var claims = new Dictionary<string, object>
        {
            ["jti"] = Guid.NewGuid().ToString("N"),
            ["events"] = new Dictionary<string, object> { [Event] = new Dictionary<string, object>() },
        };
        if (sid is not null)
        {
            claims["sid"] = sid;
        }

        if (sub is not null)
        {
            claims["sub"] = sub;
        }

        var descriptor = new SecurityTokenDescriptor
        {
            Issuer = IdpHost.Origin + "/",
            Audience = ResearchAppHost.ClientId,
            IssuedAt = now,
            NotBefore = now,
            Expires = now.AddMinutes(2),
            TokenType = "logout+jwt",
            Claims = claims,
            SigningCredentials = SigningCredentials,
        };
        change?.Invoke(descriptor);
        return new JsonWebTokenHandler().CreateToken(descriptor);
    }

    /// <summary>The IdP's first signing key, whose public half is in its JWKS.</summary>
    public SigningCredentials SigningCredentials =>
        idp.Services.GetRequiredService<IOptionsMonitor<OpenIddictServerOptions>>().CurrentValue.SigningCredentials[0];

    /// <summary>A key the IdP never published, presented under the IdP's key id.</summary>
    public SigningCredentials ImpostorCredentials()
    {
        var real = SigningCredentials;
        SecurityKey key = real.Key is ECDsaSecurityKey
            ? new ECDsaSecurityKey(System.Security.Cryptography.ECDsa.Create(System.Security.Cryptography.ECCurve.NamedCurves.nistP256))
            : new RsaSecurityKey(System.Security.Cryptography.RSA.Create(2048));
        key.KeyId = real.Key.KeyId ?? real.Kid;
        return new SigningCredentials(key, real.Algorithm);
    }
}
