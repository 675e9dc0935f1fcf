using System.Security.Cryptography;
using System.Text;
using Educloud.Idp.Connect;
using Educloud.Idp.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Educloud.Idp.LocalAccounts;

public sealed record IssuedCode(string Code, DateTimeOffset ExpiresAt);

/// <summary>Issues and redeems enrollment codes. A new code replaces any unused earlier one.</summary>
public sealed class EnrollmentCodes(IdpDbContext db, TimeProvider time, IOptions<LocalAccountOptions> options)
{
    /// <summary>Adds a new code to the unit of work (the caller saves, with its audit event).</summary>
    public async Task<IssuedCode> IssueAsync(string userId, string issuedBy, CancellationToken cancellationToken)
    {
        await db.EnrollmentCodes.Where(c => c.UserId == userId && c.UsedAt == null).ExecuteDeleteAsync(cancellationToken);
        // 20 random bytes in Crockford-like base32 groups: 160 bits, easy to read out on the phone.
        var code = Format(RandomNumberGenerator.GetBytes(20));
        var now = time.GetUtcNow();
        var entry = new EnrollmentCode
        {
            Id = Guid.NewGuid(),
            UserId = userId,
            CodeHash = Hash(code),
            CreatedAt = now,
            ExpiresAt = now + options.Value.EnrollmentCodeLifetime,
            IssuedBy = issuedBy,
        };
        db.EnrollmentCodes.Add(entry);
        return new IssuedCode(code, entry.ExpiresAt);
    }

    /// <summary>Whether the code is the person's current, unused and unexpired code (does not use it).</summary>
    public Task<bool> IsValidAsync(string userId, string code, CancellationToken cancellationToken)
    {
        return Usable(userId, code).AnyAsync(cancellationToken);
    }

    /// <summary>Uses the code: one conditional UPDATE, so of two racing requests only one succeeds.</summary>
    public async Task<bool> TryUseAsync(string userId, string code, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var used = await Usable(userId, code).ExecuteUpdateAsync(c => c.SetProperty(x => x.UsedAt, now), cancellationToken);
        return used == 1;
    }

    /// <summary>
    /// The person's current code, unused and unexpired. For a person who has a role (admin or
    /// support), read now, only a code issued by someone who is an admin now: a role granted after
    /// support issued the code must not let that code take over the account (issue 8, item 1).
    /// </summary>
    private IQueryable<EnrollmentCode> Usable(string userId, string code)
    {
        var hash = Hash(Normalize(code));
        var now = time.GetUtcNow();
        return db.EnrollmentCodes
            .Where(c => c.UserId == userId && c.CodeHash == hash && c.UsedAt == null && c.ExpiresAt > now)
            .Where(c => !db.UserRoles.Any(ur => ur.UserId == c.UserId && db.Roles.Any(r => r.Id == ur.RoleId && (r.Name == AdminRoles.Admin || r.Name == AdminRoles.Support)))
                || db.UserRoles.Any(ur => ur.UserId == c.IssuedBy && db.Roles.Any(r => r.Id == ur.RoleId && r.Name == AdminRoles.Admin)));
    }

    private const string Alphabet = "ABCDEFGHJKMNPQRSTVWXYZ0123456789";

    private static string Format(byte[] bytes)
    {
        var text = new StringBuilder();
        int buffer = 0, bits = 0;
        foreach (var b in bytes)
        {
            buffer = (buffer << 8) | b;
            bits += 8;
            while (bits >= 5)
            {
                bits -= 5;
                text.Append(Alphabet[(buffer >> bits) & 31]);
            }
        }

        return string.Join('-', text.ToString().Chunk(4).Select(c => new string(c)));
    }

    /// <summary>What a person types: any case, with or without dashes and spaces.</summary>
    private static string Normalize(string code)
    {
        var raw = new string([.. code.ToUpperInvariant().Where(char.IsAsciiLetterOrDigit)]);
        return string.Join('-', raw.Chunk(4).Select(c => new string(c)));
    }

    private static string Hash(string code) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(code)));
}
