namespace Educloud.IdPortenSimulator;

/// <summary>
/// A mutable singleton that tests use to make the simulator misbehave on purpose, so that the
/// relying party's checks (RFC 9207 iss, id_token iss, exp, iat, aud, azp) can be shown to work.
/// </summary>
public sealed class IdPortenSimulatorFaults
{
    /// <summary>The iss query parameter on the redirect back to the client is wrong.</summary>
    public bool WrongIssuerInAuthorizationResponse { get; set; }

    /// <summary>The id_token's iss claim is wrong (the token is still validly signed).</summary>
    public bool WrongIssuerInIdToken { get; set; }

    /// <summary>The redirect back to the client carries no iss parameter.</summary>
    public bool OmitIssInAuthorizationResponse { get; set; }

    /// <summary>When set, the id_token's exp lies this long before now (iat one lifetime before that); still validly signed.</summary>
    public TimeSpan? IdTokenExpiredAgo { get; set; }

    /// <summary>When set, the id_token's iat lies this long after now (exp one lifetime after that); still validly signed.</summary>
    public TimeSpan? IdTokenIssuedAhead { get; set; }

    /// <summary>The id_token's aud holds a second client besides the real one, and the token has no azp.</summary>
    public bool ExtraAudienceInIdToken { get; set; }

    /// <summary>The id_token's aud names only another client.</summary>
    public bool ForeignAudienceInIdToken { get; set; }

    /// <summary>The id_token carries an azp naming another client.</summary>
    public bool ForeignAzpInIdToken { get; set; }

    /// <summary>
    /// The login page grants the level the tester chose even below the minimum acr_values asked
    /// for (ID-porten never does), so that a relying party's own check of acr can be shown to work.
    /// </summary>
    public bool GrantLevelBelowRequested { get; set; }

    /// <summary>
    /// When set, the login page's Log in answers with this OAuth error (with the request's state
    /// and iss, as ID-porten does) instead of a code, as ID-porten does when it fails after the
    /// person got there (server_error, temporarily_unavailable, ...); Cancel gives access_denied.
    /// </summary>
    public string? ErrorInsteadOfLogin { get; set; }

    public void Reset()
    {
        ErrorInsteadOfLogin = null;
        GrantLevelBelowRequested = false;
        WrongIssuerInAuthorizationResponse = false;
        WrongIssuerInIdToken = false;
        OmitIssInAuthorizationResponse = false;
        IdTokenExpiredAgo = null;
        IdTokenIssuedAhead = null;
        ExtraAudienceInIdToken = false;
        ForeignAudienceInIdToken = false;
        ForeignAzpInIdToken = false;
    }

    /// <summary>Plausible but foreign, so only a check for exact equality catches it.</summary>
    internal const string WrongIssuer = "https://test.idporten.no.attacker.example";

    /// <summary>Another client of the same ID-porten: a token meant for it must not log anyone in here.</summary>
    public const string ForeignClientId = "another-idporten-client";
}
