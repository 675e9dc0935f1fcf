namespace Educloud.IdPortenSimulator;

/// <summary>
/// A mutable singleton that tests use to make the simulator misbehave on purpose, so that the
/// relying party's checks (RFC 9207 iss, id_token iss) can be shown to work.
/// </summary>
public sealed class IdPortenSimulatorFaults
{
    /// <summary>The iss query parameter on the redirect back to the client is wrong.</summary>
    public bool WrongIssuerInAuthorizationResponse { get; set; }

    /// <summary>The id_token's iss claim is wrong (the token is still validly signed).</summary>
    public bool WrongIssuerInIdToken { get; set; }

    /// <summary>The redirect back to the client carries no iss parameter.</summary>
    public bool OmitIssInAuthorizationResponse { get; set; }

    public void Reset()
    {
        WrongIssuerInAuthorizationResponse = false;
        WrongIssuerInIdToken = false;
        OmitIssInAuthorizationResponse = false;
    }

    /// <summary>Plausible but foreign, so only a check for exact equality catches it.</summary>
    internal const string WrongIssuer = "https://test.idporten.no.attacker.example";
}
