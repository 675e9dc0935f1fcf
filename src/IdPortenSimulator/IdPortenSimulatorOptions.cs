namespace Educloud.IdPortenSimulator;

/// <summary>
/// The simulator's settings (configuration section "IdPortenSimulator" in the Host). Defaults are
/// ID-porten's own where its documentation (docs.digdir.no/docs/idporten/oidc/...) gives one.
/// </summary>
public sealed class IdPortenSimulatorOptions
{
    public List<SimulatedClient> Clients { get; } = new();

    /// <summary>ID-porten's id_tokens live about 120 s.</summary>
    public TimeSpan IdTokenLifetime { get; set; } = TimeSpan.FromSeconds(120);

    public TimeSpan CodeLifetime { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Refuse /authorize requests that do not come through /par (RFC 9126 5:
    /// require_pushed_authorization_requests), as ID-porten can be set up to for a client
    /// (docs.digdir.no/docs/idporten/oidc/oidc_protocol_par). Advertised in discovery.
    /// </summary>
    public bool RequirePushedAuthorizationRequests { get; set; }

    /// <summary>
    /// How long a request_uri from /par may be used (once). RFC 9126 2.2 expects a short life;
    /// 60 s is the example lifetime RFC 9126 gives, and enough for a redirect.
    /// </summary>
    public TimeSpan PushedRequestLifetime { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// The issuer ends with '/' (e.g. "https://host/idporten-sim/"). ID-porten's issuers today
    /// ("https://idporten.no", "https://test.idporten.no") have none, and its older ones
    /// ("https://oidc.difi.no/idporten-oidc-provider/") had one: a relying party must take the
    /// issuer exactly as discovery gives it, and this switch lets tests show that it does.
    /// </summary>
    public bool IssuerWithTrailingSlash { get; set; }

    /// <summary>
    /// ID-porten's single sign-on session ends after 30 minutes without use
    /// (docs.digdir.no/docs/idporten/oidc/oidc_protocol_sso; Digdir's verification test 8).
    /// </summary>
    public TimeSpan SessionIdleTimeout { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>And after 120 minutes whatever happens (the same page).</summary>
    public TimeSpan SessionLifetime { get; set; } = TimeSpan.FromMinutes(120);

    internal SimulatedClient? FindClient(string? clientId) =>
        clientId is null ? null : Clients.FirstOrDefault(c => string.Equals(c.ClientId, clientId, StringComparison.Ordinal));
}

public sealed class SimulatedClient
{
    public required string ClientId { get; set; }

    /// <summary>Enables client_secret_basic and client_secret_post.</summary>
    public string? ClientSecret { get; set; }

    /// <summary>
    /// Enables private_key_jwt: an RSA public key (at least 2048 bits) as PEM "PUBLIC KEY" or
    /// "RSA PUBLIC KEY". Digdir registers RSA keys only and ID-porten verifies client assertions
    /// with RS256, so an EC key is refused at start (docs.digdir.no/docs/idporten/oidc/oidc_protocol_token).
    /// </summary>
    public string? PublicKeyPem { get; set; }

    /// <summary>
    /// The key id the public key is registered under (Digdir gives every registered key a kid):
    /// required with <see cref="PublicKeyPem"/>, and every client assertion must name it in its header.
    /// </summary>
    public string? KeyId { get; set; }

    public List<string> RedirectUris { get; } = new();

    public List<string> PostLogoutRedirectUris { get; } = new();

    public string? FrontChannelLogoutUri { get; set; }

    /// <summary>
    /// Where a signed logout_token is POSTed when the person's session ends (OpenID Connect
    /// Back-Channel Logout 1.0; docs.digdir.no/docs/idporten/oidc/oidc_func_backchannel_logout).
    /// </summary>
    public string? BackChannelLogoutUri { get; set; }
}
