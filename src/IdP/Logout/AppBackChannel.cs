using System.Text.Json;
using OpenIddict.Abstractions;

namespace Educloud.Idp.Logout;

/// <summary>
/// An app's back-channel logout registration (OIDC Back-Channel Logout 1.0, section 2.2):
/// <c>backchannel_logout_uri</c>, where the IdP POSTs a logout token when a session in which the
/// app got tokens ends, and <c>backchannel_logout_session_required</c>, whether the app needs the
/// <c>sid</c> in it (the IdP always sends it, so this is recorded and shown, never refused).
/// Stored as application properties, like the audience (Connect/AppAudience): no schema change.
/// </summary>
public static class AppBackChannel
{
    public const string UriProperty = "educloud_backchannel_logout_uri";
    public const string SessionRequiredProperty = "educloud_backchannel_logout_session_required";

    public const int MaxLength = 2000;

    /// <summary>What a valid URI is, for messages that name the key before it.</summary>
    public static string Rule(bool development) => development
        ? $"must be an absolute http or https URL without a fragment, at most {MaxLength} characters."
        : $"must be an absolute https URL without a fragment, at most {MaxLength} characters.";

    /// <summary>
    /// Absolute, https outside Development, no fragment (section 2.2: "MUST NOT include a fragment"). The
    /// query is allowed (the spec allows it). Plain http only in Development, where the sample app
    /// runs on http://localhost: a logout token is a bearer credential for ending a session.
    /// </summary>
    public static bool IsValid(string? value, bool development) =>
        value is { Length: > 0 and <= MaxLength }
        && Uri.TryCreate(value, UriKind.Absolute, out var uri)
        && (uri.Scheme == Uri.UriSchemeHttps || (development && uri.Scheme == Uri.UriSchemeHttp))
        && string.IsNullOrEmpty(uri.Fragment) && !value.Contains('#', StringComparison.Ordinal);

    public static string? StoredUri(IReadOnlyDictionary<string, JsonElement> properties) =>
        properties.TryGetValue(UriProperty, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    public static bool StoredSessionRequired(IReadOnlyDictionary<string, JsonElement> properties) =>
        properties.TryGetValue(SessionRequiredProperty, out var value) && value.ValueKind == JsonValueKind.True;

    /// <summary>Puts the registration on an application descriptor (a null or empty URI: none).</summary>
    public static void Store(OpenIddictApplicationDescriptor descriptor, string? uri, bool sessionRequired)
    {
        if (string.IsNullOrEmpty(uri))
        {
            descriptor.Properties.Remove(UriProperty);
            descriptor.Properties.Remove(SessionRequiredProperty);
            return;
        }

        descriptor.Properties[UriProperty] = JsonSerializer.SerializeToElement(uri);
        descriptor.Properties[SessionRequiredProperty] = JsonSerializer.SerializeToElement(sessionRequired);
    }
}
