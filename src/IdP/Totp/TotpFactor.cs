namespace Educloud.Idp.Totp;

public enum TotpFactorState
{
    /// <summary>Shown to the person as a QR code, not yet confirmed with a code; expires.</summary>
    Pending,

    /// <summary>The one authenticator a person logs in with.</summary>
    Active,
}

/// <summary>An authenticator app registered to a person (one active at a time).</summary>
public sealed class TotpFactor
{
    public Guid Id { get; set; }

    public required string UserId { get; set; }

    /// <summary>The 160-bit secret, encrypted with Data Protection under a purpose bound to the user.</summary>
    public required string SecretProtected { get; set; }

    public TotpFactorState State { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    /// <summary>Pending factors expire; active ones do not.</summary>
    public DateTimeOffset? ExpiresAt { get; set; }

    public DateTimeOffset? ConfirmedAt { get; set; }

    public DateTimeOffset? LastUsedAt { get; set; }

    /// <summary>
    /// The last time step whose code was accepted. A code is accepted only for a later step, decided
    /// by one conditional UPDATE, so a code works once even when requests race across replicas.
    /// </summary>
    public long LastAcceptedStep { get; set; } = -1;
}
