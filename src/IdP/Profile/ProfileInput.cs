using Educloud.Idp.Data;
using MimeKit;

namespace Educloud.Idp.Profile;

/// <summary>What a person may type as their name and email address; anything else is refused with a 400, nothing saved.</summary>
public static class ProfileInput
{
    /// <summary>A name: trimmed, at most <see cref="FieldLimits.DisplayName"/> characters, no control characters. Empty means none.</summary>
    /// <returns>false when refused.</returns>
    public static bool TryName(string? input, out string? name)
    {
        name = string.IsNullOrWhiteSpace(input) ? null : input.Trim();
        return name is null || (name.Length <= FieldLimits.DisplayName && !name.Any(char.IsControl));
    }

    /// <summary>
    /// One plain address (<c>local@domain</c>): no display name, no list, no group, at most
    /// <see cref="FieldLimits.Email"/> characters. Empty means none.
    /// </summary>
    public static bool TryEmail(string? input, out string? email)
    {
        email = string.IsNullOrWhiteSpace(input) ? null : input.Trim();
        if (email is null)
        {
            return true;
        }

        var at = email.LastIndexOf('@');
        return email.Length <= FieldLimits.Email
            && !email.Any(c => char.IsWhiteSpace(c) || char.IsControl(c) || c is '<' or '>' or ',' or ';' or '"' or '(' or ')')
            && at > 0 && at < email.Length - 1 && email.IndexOf('.', at) > at + 1
            && MailboxAddress.TryParse(email, out var parsed) && string.IsNullOrEmpty(parsed.Name) && parsed.Address == email;
    }
}
