namespace Educloud.Idp.Totp;

/// <summary>What a person typed in a one-time code field, before it is checked.</summary>
public static class CodeInput
{
    /// <summary>
    /// Something other than digits and spaces (letters, a pasted word): no app shows such a code, so
    /// the page says "only the digits" rather than "that code did not work". It is still checked
    /// (and counted) like any wrong code: docs/localization.md, "Code field".
    /// </summary>
    public static bool HasNonDigits(string? code) =>
        !string.IsNullOrEmpty(code) && code.Any(c => !char.IsAsciiDigit(c) && c != ' ');
}
