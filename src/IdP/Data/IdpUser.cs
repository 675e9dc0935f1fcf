using Microsoft.AspNetCore.Identity;

namespace Educloud.Idp.Data;

/// <summary>
/// A person who can log in. <see cref="IdentityUser.Id"/> is the stable <c>sub</c> we give apps;
/// the national identity number is never the key (docs/architecture.md "Data").
/// </summary>
public sealed class IdpUser : IdentityUser
{
    // EF Core reads and writes the column through this field (its convention), not the setter.
    private string? displayName;

    /// <summary>Keyed hash (HMAC-SHA256) of the pid, for exact lookup without storing the pid in clear.</summary>
    public string? PidHash { get; set; }

    /// <summary>The pid encrypted with Data Protection; decrypted only when an app is granted the pid scope.</summary>
    public string? PidProtected { get; set; }

    /// <summary>What support calls the person: given by the person (Profile/) or by support for a local user.</summary>
    public string? DisplayName
    {
        get => displayName;
        set
        {
            displayName = value;
            NormalizedDisplayName = value?.ToUpperInvariant();
        }
    }

    /// <summary>
    /// <see cref="DisplayName"/> in upper case (invariant), kept by its setter: support's search compares
    /// these, the same on SQLite and PostgreSQL and for æ, ø and å (SQLite's LIKE folds ASCII only).
    /// </summary>
    public string? NormalizedDisplayName { get; private set; }

    /// <summary>When the first-login page ("What should support call you?") was shown; it is shown once.</summary>
    public DateTimeOffset? ProfilePromptedAt { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset? LastLoginAt { get; set; }

    /// <summary>Consecutive wrong one-time codes; reset by a correct one.</summary>
    public int TotpFailedAttempts { get; set; }

    /// <summary>No code is accepted before this time, not even a correct one.</summary>
    public DateTimeOffset? TotpLockedUntil { get; set; }
}
