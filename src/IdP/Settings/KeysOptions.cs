namespace Educloud.Idp.Settings;

public sealed class KeysOptions
{
    public const string Section = "Keys";

    /// <summary>
    /// PEM files with private signing keys (EC P-256 or RSA of at least 2048 bits). The first signs;
    /// all are published in the JWKS, so a new key can be announced before it signs (rotation).
    /// Required outside Development.
    /// </summary>
    public List<string> SigningKeyPaths { get; set; } = [];

    /// <summary>File holding a base64 256-bit key that encrypts codes and refresh tokens (A256KW). Required outside Development.</summary>
    public string? EncryptionKeyPath { get; set; }

    /// <summary>
    /// File holding a base64 256-bit key that encrypts the Data Protection key ring where it is
    /// stored, in the database (AES-256-GCM). Without it a copy of the database would hold both the
    /// encrypted authenticator secrets and the keys that open them. Required outside Development.
    /// </summary>
    public string? DataProtectionKeyPath { get; set; }

    /// <summary>Earlier key ring keys, still read (never written with) after DataProtectionKeyPath changed.</summary>
    public List<string> PreviousDataProtectionKeyPaths { get; set; } = [];

    /// <summary>Development only: where generated keys are kept between runs.</summary>
    public string DevelopmentKeysDirectory { get; set; } = "data/keys";
}
