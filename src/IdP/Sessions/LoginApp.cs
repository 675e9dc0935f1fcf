using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.AspNetCore.DataProtection;

namespace Educloud.Idp.Sessions;

/// <summary>
/// Which research app a login is for, for the audit log. Taken from the authorization request
/// after OpenIddict has validated its client_id and redirect_uri (/connect/authorize), never from
/// the returnUrl the browser sends back: the browser carries it to the login page as a
/// data-protected token (authenticated encryption: it can neither read nor alter it), bound to
/// that very returnUrl, so a token moved to another returnUrl names no app at all.
/// </summary>
public sealed class LoginApp(IDataProtectionProvider protection)
{
    /// <summary>The login page's query/form parameter that carries the token.</summary>
    public const string Parameter = "app";

    private readonly IDataProtector protector = protection.CreateProtector("Educloud.Idp.Sessions.LoginApp.v1");

    /// <summary>The token: the client id and a SHA-256 of the returnUrl (the token stays short however long the request).</summary>
    public string Protect(string clientId, string returnUrl) =>
        protector.Protect(JsonSerializer.Serialize(new[] { clientId, Digest(returnUrl) }));

    /// <summary>The client id in <paramref name="token"/> if the token is ours and was made for <paramref name="returnUrl"/>; otherwise null.</summary>
    public string? ClientIdFor(string? token, string returnUrl)
    {
        if (string.IsNullOrEmpty(token) || token.Length > MaxTokenLength)
        {
            return null;
        }

        try
        {
            var pair = JsonSerializer.Deserialize<string[]>(protector.Unprotect(token));
            return pair is [var clientId, var boundTo] && string.Equals(boundTo, Digest(returnUrl), StringComparison.Ordinal) ? clientId : null;
        }
        catch (Exception e) when (e is CryptographicException or FormatException or JsonException)
        {
            return null;
        }
    }

    // A client id is at most 200 characters (the audit column); anything much longer is not ours.
    private const int MaxTokenLength = 2048;

    private static string Digest(string returnUrl) => Convert.ToBase64String(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(returnUrl)));
}
