using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.AspNetCore.DataProtection;
using OpenIddict.Abstractions;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace Educloud.Idp.Federation;

/// <summary>
/// Takes a refusal at ID-porten (or of ID-porten's answer) back to the research app that asked for
/// the login, as an OpenID Connect error response at its redirect URI (OIDC Core 3.1.2.6, with
/// state and iss, RFC 9207), where the app can act on it. The ID-porten callback is not the
/// authorization endpoint, so it cannot answer the app's request itself: it sends the browser back
/// to that request (the login's way back) with one more parameter, a data-protected token naming
/// the error, which /connect/authorize turns into OpenIddict's error response. The token is bound
/// to the request's client_id, redirect_uri and state and lives <see cref="Lifetime"/>: moved to
/// another request it is ignored (and the browser could only ever refuse its own login with it).
/// </summary>
public sealed class AppErrorReturn(IDataProtectionProvider protection, TimeProvider time)
{
    /// <summary>The authorization request parameter that carries the token.</summary>
    public const string Parameter = "educloud_upstream_error";

    public static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(5);

    private const int MaxTokenLength = 4096;

    private readonly IDataProtector protector = protection.CreateProtector("Educloud.Idp.Federation.AppErrorReturn.v1");

    public sealed record Refusal(string Error, string Description);

    /// <summary>
    /// The way back to the app's authorization request in <paramref name="returnUrl"/>, carrying the
    /// error; null when the login was not for an app (the IdP's own pages: the person sees a page).
    /// </summary>
    /// <param name="clientId">The app as the ID-porten state vouched for it (<see cref="FederationEndpoints.ClientIdItem"/>); must match the request.</param>
    public string? WayBack(string? returnUrl, string pathBase, string? clientId, Refusal refusal)
    {
        if (returnUrl is null || clientId is null || AppLoginRequest.QueryOf(returnUrl, pathBase) is not { } query
            || query.GetValueOrDefault(Parameters.ClientId).ToString() != clientId
            || query.GetValueOrDefault(Parameters.RedirectUri).ToString() is not { Length: > 0 } redirectUri)
        {
            return null;
        }

        var expires = (time.GetUtcNow() + Lifetime).ToUnixTimeSeconds();
        var token = protector.Protect(JsonSerializer.Serialize(new Payload(refusal.Error, refusal.Description, clientId, redirectUri,
            query.GetValueOrDefault(Parameters.State).ToString(), expires)));
        return Microsoft.AspNetCore.WebUtilities.QueryHelpers.AddQueryString(returnUrl, Parameter, token);
    }

    /// <summary>The refusal the (already validated) authorization request carries for itself, or null.</summary>
    public Refusal? Read(OpenIddictRequest request)
    {
        if ((string?)request.GetParameter(Parameter) is not { Length: > 0 and <= MaxTokenLength } token)
        {
            return null;
        }

        try
        {
            var payload = JsonSerializer.Deserialize<Payload>(protector.Unprotect(token));
            return payload is not null
                && payload.ClientId == request.ClientId
                && payload.RedirectUri == request.RedirectUri
                && payload.State == (request.State ?? "")
                && DateTimeOffset.FromUnixTimeSeconds(payload.Expires) > time.GetUtcNow()
                ? new Refusal(payload.Error, payload.Description)
                : null;
        }
        catch (Exception e) when (e is CryptographicException or FormatException or JsonException)
        {
            return null;
        }
    }

    private sealed record Payload(string Error, string Description, string ClientId, string RedirectUri, string State, long Expires);
}
