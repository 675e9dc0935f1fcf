namespace Educloud.Idp.Data;

/// <summary>
/// Server-side record of an IdP login session. The session cookie only points here, so support
/// and front-channel logout from ID-porten can end a session at once, on every replica.
/// </summary>
public sealed class UserSession
{
    /// <summary>Our session id (the <c>sid</c> claim); random, never reused.</summary>
    public required string Id { get; set; }

    public required string UserId { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    /// <summary>Absolute end of the session (NIST 800-63B rev 4, AAL2: at most 24 h).</summary>
    public DateTimeOffset ExpiresAt { get; set; }

    public DateTimeOffset? EndedAt { get; set; }

    /// <summary>ID-porten's <c>sid</c>, to end our session when ID-porten says the user logged out.</summary>
    public string? UpstreamSessionId { get; set; }

    /// <summary>The level of assurance ID-porten gave.</summary>
    public string? UpstreamAcr { get; set; }

    /// <summary>ID-porten's <c>amr</c> values, space separated (e.g. "TestID", "BankID").</summary>
    public string? UpstreamAmr { get; set; }

    public string? ClientIp { get; set; }

    /// <summary>
    /// ID-porten's id_token of this login, protected with Data Protection (it holds the pid): the
    /// id_token_hint of the logout we send on to ID-porten (RP-initiated logout). Cleared when the
    /// session ends: kept no longer than it can be used.
    /// </summary>
    public string? UpstreamIdTokenProtected { get; set; }
}
