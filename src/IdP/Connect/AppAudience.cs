using System.Text.Json;
using OpenIddict.Abstractions;

namespace Educloud.Idp.Connect;

/// <summary>
/// Whom an app's access tokens are for: their <c>aud</c> (RFC 9068 3, RFC 9700 2.3 "audience-restricted
/// access tokens"). One value per app: the client id of the API the app calls (its "API resource"),
/// or by default the app's own client id. It is stored as an application property (no schema change),
/// set from configuration (<c>Clients:n:Audience</c>) or the admin API (<c>audience</c>).
/// </summary>
/// <remarks>
/// One audience, not a list: a token good at several APIs can be replayed by any of them to the
/// others. A client id, not a URI: OpenIddict's introspection answers an API only when the token's
/// audience equals the API's own client_id, so an API that introspects must be a registered client
/// with exactly that id; an API that validates tokens itself (JWKS) only compares strings. The admin
/// API's audience is not for apps: its tokens come only with the admin_api scope (IdpClaims).
/// </remarks>
public static class AppAudience
{
    /// <summary>The application property holding the audience (absent: the client id).</summary>
    public const string Property = "educloud_audience";

    public const int MaxLength = 100;

    /// <summary>What a valid audience is, for messages that name the key before it.</summary>
    public const string Rule = "must be a client id (1 to 100 letters, digits, '-', '_', '.'): the API the app's access tokens are for; "
        + "'" + IdpScopes.AdminApiAudience + "' is reserved for the admin API.";

    public static bool IsValid(string? value) =>
        value is { Length: > 0 and <= MaxLength }
        && value.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.')
        && value != IdpScopes.AdminApiAudience;

    /// <summary>The stored audience, or null when the app uses the default (its client id).</summary>
    public static string? Stored(IReadOnlyDictionary<string, JsonElement> properties) =>
        properties.TryGetValue(Property, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    /// <summary>Puts an audience on an application descriptor (null or empty: the default).</summary>
    public static void Store(OpenIddictApplicationDescriptor descriptor, string? audience)
    {
        if (string.IsNullOrEmpty(audience))
        {
            descriptor.Properties.Remove(Property);
        }
        else
        {
            descriptor.Properties[Property] = JsonSerializer.SerializeToElement(audience);
        }
    }

    /// <summary>The audience of the access tokens issued to <paramref name="clientId"/>, read fresh at every issue.</summary>
    public static async ValueTask<string> OfAsync(IOpenIddictApplicationManager applications, string clientId, CancellationToken cancellationToken)
    {
        var application = await applications.FindByClientIdAsync(clientId, cancellationToken);
        return application is null
            ? clientId
            : Stored(await applications.GetPropertiesAsync(application, cancellationToken)) ?? clientId;
    }
}
