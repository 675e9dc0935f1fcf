using System.Security.Cryptography;
using Educloud.Idp.Data;
using Microsoft.AspNetCore.Identity;

namespace Educloud.Idp.LocalAccounts;

/// <summary>
/// Checks a password login with the same work whoever the username names: a local account's
/// password, or (unknown username, a person from ID-porten, no password yet) a fixed dummy hash of
/// the same PBKDF2 parameters. One hash verification either way, so the answer's timing does not
/// tell which usernames exist (OWASP ASVS 5 6.3.8; the 7 ms vs 110 ms of issue 8).
/// </summary>
public sealed class PasswordCheck(UserManager<IdpUser> users, IPasswordHasher<IdpUser> hasher)
{
    // Made once per process by the configured hasher, so its parameters are the real ones.
    private static string? dummyHash;

    private static readonly IdpUser Nobody = new() { Id = "", UserName = "" };

    /// <summary>
    /// The local account if the password is its own (Accepted); LocalUserId names the local account
    /// the username belongs to whether or not the password was right (for the audit), null otherwise.
    /// </summary>
    public async Task<(IdpUser? Accepted, string? LocalUserId)> CheckAsync(string userName, string password)
    {
        var user = await users.FindByNameAsync(userName);
        if (user is { PidHash: null } && await users.HasPasswordAsync(user))
        {
            return (await users.CheckPasswordAsync(user, password) ? user : null, user.Id);
        }

        dummyHash ??= hasher.HashPassword(Nobody, Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)));
        hasher.VerifyHashedPassword(Nobody, dummyHash, password);
        return (null, user is { PidHash: null } ? user.Id : null);
    }
}
