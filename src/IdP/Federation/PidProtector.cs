using System.Security.Cryptography;
using System.Text;
using Educloud.Idp.Data;
using Educloud.Idp.Keys;
using Microsoft.AspNetCore.DataProtection;

namespace Educloud.Idp.Federation;

/// <summary>
/// The national identity number is personal data (docs/architecture.md "Data"): found through a keyed hash,
/// stored encrypted, decrypted only for an app granted the pid scope or for support on demand.
/// </summary>
public sealed class PidProtector(KeyMaterial keys, IDataProtectionProvider dataProtection)
{
    private readonly IDataProtector protector = dataProtection.CreateProtector("Educloud.Idp.Pid.v1");

    /// <summary>HMAC-SHA256 under a secret key: without the key, the 11-digit space cannot be brute-forced from a stolen database.</summary>
    public string LookupHash(string pid) =>
        Convert.ToHexString(HMACSHA256.HashData(keys.PidLookupKey, Encoding.UTF8.GetBytes(pid)));

    public string Protect(string pid) => protector.Protect(pid);

    public string? Reveal(IdpUser user) => user.PidProtected is null ? null : protector.Unprotect(user.PidProtected);

    /// <summary>A fødselsnummer or d-nummer: exactly 11 digits.</summary>
    public static bool IsWellFormed(string? pid) => pid is { Length: 11 } && pid.All(char.IsAsciiDigit);
}
