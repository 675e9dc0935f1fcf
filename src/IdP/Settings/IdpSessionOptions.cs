namespace Educloud.Idp.Settings;

public sealed class IdpSessionOptions
{
    public const string Section = "Session";

    /// <summary>
    /// The IdP session ends after this long without use: 30 minutes by default, ID-porten's own idle
    /// timeout, which Digdir's verification test 8 ("SLO etter timeout") assumes of its clients
    /// (docs.digdir.no, idporten_verifikasjonstester, and oidc_func_sso: "sesjonslevetid ... 30 minutter").
    /// NIST 800-63B rev 4 AAL2 allows at most 1 hour, the validator's cap.
    /// </summary>
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>The IdP session ends this long after login whatever happens (AAL2: at most 24 hours).</summary>
    public TimeSpan AbsoluteTimeout { get; set; } = TimeSpan.FromHours(12);
}
