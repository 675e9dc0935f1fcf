using System.IO.Compression;
using Educloud.Idp.Data;
using Microsoft.AspNetCore.Identity;

namespace Educloud.Idp.LocalAccounts;

/// <summary>
/// NIST 800-63B 5.1.1.2 (rev 4 3.1.1.2): a new password is compared with passwords from breach
/// corpora, repetitive or sequential strings and context-specific words (the username, the
/// service's name), not only measured. Composition rules stay off (they make passwords worse).
/// </summary>
public sealed class CommonPasswordValidator : IPasswordValidator<IdpUser>
{
    // The 30,000 most common passwords of zxcvbn's list (MIT; CommonPasswords.LICENSE.txt), lowercased.
    private static readonly Lazy<HashSet<string>> Common = new(Load);

    // Words of this service that people build passwords from.
    private static readonly string[] ServiceWords = ["educloud", "research", "idporten", "forskning"];

    // Rows people type along: a password that is a stretch of one of these (either way) is a sequence.
    private static readonly string[] Sequences =
    [
        "abcdefghijklmnopqrstuvwxyzæøå", "0123456789012345678901234567890", "qwertyuiopåasdfghjkløæzxcvbnm",
        "1qaz2wsx3edc4rfv5tgb6yhn7ujm8ik9ol0p", "1234567890qwertyuiopasdfghjklzxcvbnm", "azertyuiopqsdfghjklmwxcvbn",
    ];

    public Task<IdentityResult> ValidateAsync(UserManager<IdpUser> manager, IdpUser user, string? password)
    {
        if (string.IsNullOrEmpty(password))
        {
            return Task.FromResult(IdentityResult.Success);
        }

        var why = Weakness(password, user.UserName);
        return Task.FromResult(why is null
            ? IdentityResult.Success
            : IdentityResult.Failed(new IdentityError { Code = CodeFor(why), Description = why }));
    }

    /// <summary>The error codes the IdP's pages turn into words in the person's language.</summary>
    public const string CommonCode = "CommonPassword", RepeatedCode = "RepeatedPassword", ContextCode = "ContextPassword";

    private const string CommonText = "This password is one of the most common passwords (or one with digits or symbols added), which attackers try first.";
    private const string RepeatedText = "This password is a repeated or sequential string (like aaaa, abcd or qwerty).";
    private const string ContextText = "This password is too close to your username or to the name of this service.";

    private static string CodeFor(string why) => why switch
    {
        RepeatedText => RepeatedCode,
        ContextText => ContextCode,
        _ => CommonCode,
    };

    /// <summary>Why the password is easy to guess, in words for the person; null when it is not.</summary>
    internal static string? Weakness(string password, string? userName)
    {
        var lower = password.ToLowerInvariant();
        var plain = Unleet(lower);
        // "Password2024!" and "p@ssw0rd!!" are the list's "password" with digits, symbols or l33t.
        var core = TrimNonLetters(lower);
        if (Common.Value.Contains(lower) || Common.Value.Contains(plain)
            || (core.Length >= 4 && (Common.Value.Contains(core) || Common.Value.Contains(Unleet(core)))))
        {
            return CommonText;
        }

        if (IsRepeated(lower) || IsSequence(lower))
        {
            return RepeatedText;
        }

        var context = ServiceWords.Concat(userName is { Length: >= 3 } ? [userName.ToLowerInvariant()] : []).ToList();
        if (context.Any(word => plain.Contains(word, StringComparison.Ordinal) || lower.Contains(word, StringComparison.Ordinal)))
        {
            // Built on the username or the service's name: refused unless the rest stands on its own.
            static string Letters(string text) => new([.. text.Where(char.IsLetter)]);
            var rest = new[] { lower, plain }
                .Select(text => Letters(context.Aggregate(text, (t, word) => t.Replace(word, "", StringComparison.Ordinal))))
                .MinBy(letters => letters.Length)!;
            if (rest.Length < 6 || Common.Value.Contains(rest))
            {
                return ContextText;
            }
        }

        return null;
    }

    private static bool IsRepeated(string text)
    {
        // The whole password is one short unit over and over ("aaaaaaaaaaaa", "abcabcabcabc", "passwordpassword").
        for (var unit = 1; unit <= text.Length / 2; unit++)
        {
            if (text.Length % unit == 0 && string.Concat(Enumerable.Repeat(text[..unit], text.Length / unit)) == text)
            {
                return true;
            }
        }

        return false;
    }

    private static bool IsSequence(string text) =>
        Sequences.Any(row => (row + row).Contains(text, StringComparison.Ordinal) || new string([.. (row + row).Reverse()]).Contains(text, StringComparison.Ordinal));

    private static string Unleet(string text) => string.Create(text.Length, text, (span, source) =>
    {
        for (var i = 0; i < source.Length; i++)
        {
            span[i] = source[i] switch
            {
                '@' or '4' => 'a',
                '3' => 'e',
                '1' or '!' => 'i',
                '0' => 'o',
                '$' or '5' => 's',
                '7' => 't',
                _ => source[i],
            };
        }
    });

    private static string TrimNonLetters(string text)
    {
        var start = 0;
        var end = text.Length;
        while (start < end && !char.IsLetter(text[start]))
        {
            start++;
        }

        while (end > start && !char.IsLetter(text[end - 1]))
        {
            end--;
        }

        return text[start..end];
    }

    private static HashSet<string> Load()
    {
        using var resource = typeof(CommonPasswordValidator).Assembly.GetManifestResourceStream("Educloud.Idp.LocalAccounts.CommonPasswords.txt.gz")
            ?? throw new InvalidOperationException("The common password list is missing from the build.");
        using var reader = new StreamReader(new GZipStream(resource, CompressionMode.Decompress));
        var words = new HashSet<string>(StringComparer.Ordinal);
        while (reader.ReadLine() is { } line)
        {
            if (line.Length > 0)
            {
                words.Add(line);
            }
        }

        return words;
    }
}
