using Microsoft.AspNetCore.Identity;

namespace Educloud.Idp.Data;

/// <summary>
/// A person who can log in. <see cref="IdentityUser.Id"/> is the stable <c>sub</c> we give apps;
/// the national identity number is never the key (docs/architecture.md "Data").
/// </summary>
public sealed class IdpUser : IdentityUser
{
    /// <summary>Keyed hash (HMAC-SHA256) of the pid, for exact lookup without storing the pid in clear.</summary>
    public string? PidHash { get; set; }

    /// <summary>The pid encrypted with Data Protection; decrypted only when an app is granted the pid scope.</summary>
    public string? PidProtected { get; set; }

    public string? DisplayName { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset? LastLoginAt { get; set; }

    /// <summary>Consecutive wrong one-time codes; reset by a correct one.</summary>
    public int TotpFailedAttempts { get; set; }

    /// <summary>No code is accepted before this time, not even a correct one.</summary>
    public DateTimeOffset? TotpLockedUntil { get; set; }
}
