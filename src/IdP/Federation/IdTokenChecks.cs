using Educloud.Idp.Settings;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using OpenIddict.Client;
using static OpenIddict.Abstractions.OpenIddictConstants;
using static OpenIddict.Client.OpenIddictClientEvents;

namespace Educloud.Idp.Federation;

/// <summary>
/// The checks on ID-porten's id_token (OpenID Connect Core 3.1.3.7) that OpenIddict 7.8's client
/// does not make. It validates signature, iss, nonce, aud and azp, but never the lifetime of a
/// token it did not issue itself: its registration's TokenValidationParameters have
/// ValidateLifetime=false, and its ValidateExpirationDate handler only sees an expiry for its own
/// state tokens (MapInternalClaims maps exp to its expiration claim for state tokens only). So an
/// id_token with exp in the past or iat in the future went through. Here: exp and iat (with
/// <see cref="ClockSkew"/>, on the injected TimeProvider), aud containing our client_id, azp equal to
/// it when present, and azp present when there are several audiences (3.1.3.7 items 3 to 5, 9, 10).
/// aud and azp are checked by OpenIddict too; they are repeated so this one place states the rules.
/// </summary>
public sealed partial class IdTokenChecks(TimeProvider time, IOptions<IdPortenOptions> options, ILogger<IdTokenChecks> logger)
    : IOpenIddictClientHandler<ProcessAuthenticationContext>
{
    /// <summary>
    /// Tolerance for the clocks of ID-porten and this IdP (both NTP-synchronised). 30 s: a quarter of
    /// ID-porten's 120-s id_token lifetime, enough for real drift, too little to matter for replay.
    /// </summary>
    public static readonly TimeSpan ClockSkew = TimeSpan.FromSeconds(30);

    public static OpenIddictClientHandlerDescriptor Descriptor { get; } = OpenIddictClientHandlerDescriptor.CreateBuilder<ProcessAuthenticationContext>()
        .AddFilter<OpenIddictClientHandlerFilters.RequireBackchannelIdentityTokenPrincipal>()
        .UseSingletonHandler<IdTokenChecks>()
        .SetOrder(OpenIddictClientHandlers.ValidateBackchannelIdentityTokenWellknownClaims.Descriptor.Order - 500)
        .SetType(OpenIddictClientHandlerType.Custom)
        .Build();

    public ValueTask HandleAsync(ProcessAuthenticationContext context)
    {
        // The token's signature and issuer were validated just before; only its claims are read here.
        if (context.BackchannelIdentityToken is not { Length: > 0 } raw)
        {
            return ValueTask.CompletedTask;
        }

        if (Refusal(new JsonWebToken(raw), options.Value.ClientId, time.GetUtcNow()) is { } reason)
        {
            LogRefused(logger, reason);
            context.Reject(Errors.InvalidToken, "ID-porten's id_token refused: " + reason);
        }

        return ValueTask.CompletedTask;
    }

    /// <summary>Why the token must not be accepted, or null. Fixed texts only: never a claim value.</summary>
    public static string? Refusal(JsonWebToken token, string clientId, DateTimeOffset now)
    {
        if (!token.TryGetPayloadValue<long>(JwtRegisteredClaimNames.Exp, out var exp))
        {
            return "no exp";
        }

        if (DateTimeOffset.FromUnixTimeSeconds(exp) + ClockSkew <= now)
        {
            return "expired (exp in the past)";
        }

        if (!token.TryGetPayloadValue<long>(JwtRegisteredClaimNames.Iat, out var iat))
        {
            return "no iat";
        }

        if (DateTimeOffset.FromUnixTimeSeconds(iat) - ClockSkew > now)
        {
            return "issued in the future (iat ahead of our clock)";
        }

        var audiences = token.Audiences.ToList();
        if (!audiences.Contains(clientId, StringComparer.Ordinal))
        {
            return "aud does not contain our client_id";
        }

        var hasAzp = token.TryGetPayloadValue<string>(JwtRegisteredClaimNames.Azp, out var azp);
        if (hasAzp && !string.Equals(azp, clientId, StringComparison.Ordinal))
        {
            return "azp is another client";
        }

        if (audiences.Count > 1 && !hasAzp)
        {
            return "several audiences without azp";
        }

        return null;
    }

    [LoggerMessage(EventId = 2011, Level = LogLevel.Warning, Message = "ID-porten's id_token refused: {Reason}")]
    private static partial void LogRefused(ILogger logger, string reason);
}
