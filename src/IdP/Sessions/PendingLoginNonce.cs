namespace Educloud.Idp.Sessions;

/// <summary>
/// The server-side half of a pending login (<see cref="PendingLogin"/>): the cookie names this row,
/// and the row is deleted, with one conditional DELETE, when the pending login is spent. A copy of
/// the cookie is then worth nothing, on every replica (they share the database).
/// </summary>
public sealed class PendingLoginNonce
{
    /// <summary>128 random bits, base64url.</summary>
    public required string Id { get; set; }

    public required string UserId { get; set; }

    /// <summary>When the pending login's cookie expires; the pruning job removes the row after it.</summary>
    public DateTimeOffset ExpiresAt { get; set; }
}
