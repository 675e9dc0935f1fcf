namespace Educloud.Idp.Settings;

public sealed class IdPortenOptions
{
    public const string Section = "IdPorten";

    /// <summary>ID-porten's issuer, e.g. https://test.idporten.no. With UseSimulator it is the simulator's.</summary>
    public string Issuer { get; set; } = "";

    public string ClientId { get; set; } = "";

    /// <summary>Client secret (client_secret_basic). Leave empty when PrivateKeyPath is set.</summary>
    public string? ClientSecret { get; set; }

    /// <summary>PEM file with the RSA private key for private_key_jwt (recommended by Digdir; no EC keys: Keys/IdPortenClientKey).</summary>
    public string? PrivateKeyPath { get; set; }

    /// <summary>Key id of the private key as registered at Digdir (the kid header of client assertions); required with PrivateKeyPath.</summary>
    public string? PrivateKeyId { get; set; }

    public List<string> Scopes { get; set; } = [];

    /// <summary>The lowest level of assurance accepted; also sent as acr_values.</summary>
    public string AcrValues { get; set; } = AcrLevels.Substantial;

    /// <summary>Create a user on the first ID-porten login. When off, unknown people see "you are not registered".</summary>
    public bool AutoProvisionUsers { get; set; } = true;

    /// <summary>Serve the built-in ID-porten simulator at /idporten-sim (Development only; refused in Production).</summary>
    public bool UseSimulator { get; set; }

    /// <summary>
    /// The longest a back-channel call to ID-porten (discovery, keys, code exchange) may take,
    /// retries included, before the login fails with the IdP's own error page (default 5 s).
    /// </summary>
    public TimeSpan BackchannelTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Path of our redirection endpoint (registered at Digdir as {origin}{path}).</summary>
    public string RedirectPath { get; set; } = "/federation/idporten/callback";

    /// <summary>Path of our front-channel logout endpoint (registered at Digdir as frontchannel_logout_uri, with session).</summary>
    public string FrontChannelLogoutPath { get; set; } = "/federation/idporten/frontchannel-logout";

    /// <summary>
    /// Path of our back-channel logout endpoint (OpenID Connect Back-Channel Logout 1.0; registered
    /// at Digdir as backchannel_logout_uri, on the domain of a redirect URI: docs.digdir.no,
    /// oidc_func_backchannel_logout).
    /// </summary>
    public string BackChannelLogoutPath { get; set; } = "/federation/idporten/backchannel-logout";

    /// <summary>
    /// Origins allowed to frame the front-channel logout endpoint (CSP frame-ancestors): ID-porten's
    /// login pages. Empty: https://login.idporten.no or https://login.test.idporten.no from the
    /// issuer, or the issuer's own origin for any other issuer (the simulator).
    /// </summary>
    public List<string> FrontChannelLogoutFrameAncestors { get; set; } = [];

    public IReadOnlyList<string> EffectiveFrameAncestors()
    {
        if (FrontChannelLogoutFrameAncestors.Count > 0)
        {
            return FrontChannelLogoutFrameAncestors;
        }

        var issuer = new Uri(Issuer);
        return issuer.Host is "idporten.no" or "test.idporten.no"
            ? [$"https://login.{issuer.Host}"]
            : [issuer.GetLeftPart(UriPartial.Authority)];
    }
}

/// <summary>ID-porten's levels of assurance, lowest first.</summary>
public static class AcrLevels
{
    public const string Substantial = "idporten-loa-substantial";
    public const string High = "idporten-loa-high";

    private static readonly string[] Ordered = [Substantial, High];

    public static bool IsKnown(string? acr) => acr is not null && Array.IndexOf(Ordered, acr) >= 0;

    /// <summary>True when <paramref name="given"/> is a known level at least as high as <paramref name="required"/>.</summary>
    public static bool Satisfies(string? given, string required) =>
        given is not null && Array.IndexOf(Ordered, given) is var g && g >= 0 && g >= Array.IndexOf(Ordered, required);
}
