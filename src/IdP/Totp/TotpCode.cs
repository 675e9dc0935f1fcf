using System.Security.Cryptography;
using System.Text;
using OtpNet;

namespace Educloud.Idp.Totp;

/// <summary>
/// RFC 6238 codes through Otp.NET, with the time always passed in (never the wall clock).
/// The one code path that the RFC test vectors, the login and the enrollment all go through.
/// </summary>
public static class TotpCode
{
    /// <summary>A new 160-bit secret from the CSPRNG (RFC 4226 4 recommends 160 bits; NIST asks at least 112).</summary>
    public static byte[] NewSecret() => RandomNumberGenerator.GetBytes(20);

    public static long TimeStep(DateTimeOffset time, int periodSeconds) => time.ToUnixTimeSeconds() / periodSeconds;

    public static string Compute(byte[] secret, DateTimeOffset time, int periodSeconds = 30, int digits = 6, OtpHashMode mode = OtpHashMode.Sha1) =>
        new OtpNet.Totp(secret, periodSeconds, mode, digits).ComputeTotp(time.UtcDateTime);

    /// <summary>
    /// Finds the time step whose code equals <paramref name="code"/> within the drift window, or null.
    /// Every candidate is compared in constant time so timing does not tell how close a guess was.
    /// </summary>
    public static long? MatchingStep(byte[] secret, string code, DateTimeOffset now, int periodSeconds, int digits, int driftSteps)
    {
        if (code.Length != digits || !code.All(char.IsAsciiDigit))
        {
            return null;
        }

        var current = TimeStep(now, periodSeconds);
        long? match = null;
        var given = Encoding.ASCII.GetBytes(code);
        for (var step = current - driftSteps; step <= current + driftSteps; step++)
        {
            var candidate = Encoding.ASCII.GetBytes(Compute(secret, DateTimeOffset.FromUnixTimeSeconds(step * periodSeconds), periodSeconds, digits));
            if (CryptographicOperations.FixedTimeEquals(candidate, given))
            {
                match ??= step;
            }
        }

        return match;
    }

    public static string Base32(byte[] secret) => Base32Encoding.ToString(secret);

    /// <summary>The secret in groups of four, for typing by hand.</summary>
    public static string Grouped(byte[] secret) =>
        string.Join(' ', Base32(secret).TrimEnd('=').Chunk(4).Select(c => new string(c)));

    /// <summary>The otpauth URI (Key Uri Format) an authenticator app reads from the QR code.</summary>
    public static string OtpAuthUri(byte[] secret, string issuer, string account, int digits, int periodSeconds) =>
        $"otpauth://totp/{Uri.EscapeDataString(issuer)}:{Uri.EscapeDataString(account)}" +
        $"?secret={Base32(secret).TrimEnd('=')}&issuer={Uri.EscapeDataString(issuer)}&algorithm=SHA1&digits={digits}&period={periodSeconds}";
}
