namespace Educloud.Idp.Data;

/// <summary>
/// The longest (and shortest) values people and support may type, named once: the forms'
/// <c>maxlength</c>, the page models' and the admin API's checks and the database columns use these.
/// Anything longer is refused with a 400 before it reaches the database or a hash function.
/// </summary>
public static class FieldLimits
{
    /// <summary>A local account's username (the admin API allows 3 to this many of a-z, 0-9, '.', '_', '-').</summary>
    public const int UserName = 64;

    public const int UserNameMin = 3;

    /// <summary>
    /// A password. Long passphrases are welcome (NIST 800-63B rev 4 3.1.1.2: at least 64 allowed);
    /// the cap keeps one hash verification bounded.
    /// </summary>
    public const int Password = 256;

    /// <summary>The shortest password (NIST 800-63B rev 4 3.1.1.2: length, no composition rules).</summary>
    public const int PasswordMin = 12;

    /// <summary>An enrollment code from support, as typed.</summary>
    public const int EnrollmentCode = 64;

    /// <summary>A one-time code as typed: up to 8 digits, with room for a space in the middle.</summary>
    public const int OneTimeCode = 9;

    /// <summary>A person's name as support sets it (the users' column).</summary>
    public const int DisplayName = 200;

    public const int Email = 256;

    /// <summary>Why support did something, kept in the audit log (its column).</summary>
    public const int Reason = 1000;
}
