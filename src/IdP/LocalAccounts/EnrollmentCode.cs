namespace Educloud.Idp.LocalAccounts;

/// <summary>
/// A single-use code support gives a person without ID-porten, to set a password and an
/// authenticator. Only its SHA-256 is stored: the code has 128 bits of entropy, so no slow hash is needed.
/// </summary>
public sealed class EnrollmentCode
{
    public Guid Id { get; set; }

    public required string UserId { get; set; }

    /// <summary>Hex SHA-256 of the code.</summary>
    public required string CodeHash { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset ExpiresAt { get; set; }

    public DateTimeOffset? UsedAt { get; set; }

    /// <summary>The support user who issued it.</summary>
    public string? IssuedBy { get; set; }
}
