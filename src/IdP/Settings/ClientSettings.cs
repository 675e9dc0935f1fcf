namespace Educloud.Idp.Settings;

/// <summary>A research app registered from configuration (section <c>Clients</c>, a list).</summary>
public sealed class ClientSettings
{
    public string ClientId { get; set; } = "";

    public string DisplayName { get; set; } = "";

    /// <summary>Absent for a public client (a SPA or native app). Stored hashed.</summary>
    public string? ClientSecret { get; set; }

    public List<string> RedirectUris { get; set; } = [];

    public List<string> PostLogoutRedirectUris { get; set; } = [];

    /// <summary>Scopes the app may ask for: openid, profile, email, offline_access, and pid only where allowed.</summary>
    public List<string> Scopes { get; set; } = [];

    /// <summary>A machine client that may use the client_credentials grant (confidential clients only).</summary>
    public bool AllowClientCredentials { get; set; }

    /// <summary>
    /// The <c>aud</c> of the app's access tokens: the client id of the API they are for (Connect/AppAudience).
    /// Absent: the app's own client id.
    /// </summary>
    public string? Audience { get; set; }

    /// <summary>
    /// Where the IdP POSTs a logout token when a session in which the app got tokens ends (OIDC
    /// Back-Channel Logout 1.0, Logout/AppBackChannel). Absent: the app is not told.
    /// </summary>
    public string? BackChannelLogoutUri { get; set; }

    /// <summary>The app needs the <c>sid</c> in the logout token (the IdP always sends it).</summary>
    public bool BackChannelLogoutSessionRequired { get; set; }
}

public sealed class ClientsOptions
{
    public const string Section = "Clients";

    public List<ClientSettings> Clients { get; set; } = [];
}
