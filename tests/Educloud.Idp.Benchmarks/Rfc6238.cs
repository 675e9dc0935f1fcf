using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;

namespace Educloud.Idp.Benchmarks;

/// <summary>
/// The benchmark's own RFC 6238 (what an authenticator app computes): HMAC-SHA1, 6 digits, 30-s
/// steps, RFC 4226 5.3 truncation. Independent of the IdP's code, and checked against the RFC's test
/// vector at start.
/// </summary>
public static class Rfc6238
{
    public const int PeriodSeconds = 30;

    private const string Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

    public static long CurrentStep() => DateTimeOffset.UtcNow.ToUnixTimeSeconds() / PeriodSeconds;

    /// <summary>How long until a step later than <paramref name="step"/> begins (zero if one already has), with 200 ms to spare.</summary>
    public static TimeSpan UntilStepAfter(long step)
    {
        var next = (step + 1) * PeriodSeconds * 1000;
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        return now >= next ? TimeSpan.Zero : TimeSpan.FromMilliseconds(next - now + 200);
    }

    public static string Code(string base32Secret, long step) => Code(Base32(base32Secret), step);

    public static string Code(byte[] secret, long step)
    {
        Span<byte> counter = stackalloc byte[8];
        BinaryPrimitives.WriteInt64BigEndian(counter, step);
        Span<byte> hash = stackalloc byte[20];
#pragma warning disable CA5350 // HMAC-SHA1 is what RFC 6238 and the authenticator apps use.
        HMACSHA1.HashData(secret, counter, hash);
#pragma warning restore CA5350
        var offset = hash[^1] & 0x0f;
        var binary = ((hash[offset] & 0x7f) << 24) | (hash[offset + 1] << 16) | (hash[offset + 2] << 8) | hash[offset + 3];
        return (binary % 1_000_000).ToString("D6", CultureInfo.InvariantCulture);
    }

    /// <summary>RFC 4648 base32 without padding (how authenticator keys are written).</summary>
    public static string ToBase32(ReadOnlySpan<byte> bytes)
    {
        var text = new System.Text.StringBuilder((bytes.Length * 8 + 4) / 5);
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

            buffer &= (1 << bits) - 1;
        }

        if (bits > 0)
        {
            text.Append(Alphabet[(buffer << (5 - bits)) & 31]);
        }

        return text.ToString();
    }

    public static byte[] Base32(string text)
    {
        var bytes = new List<byte>(text.Length * 5 / 8);
        int buffer = 0, bits = 0;
        foreach (var c in text.TrimEnd('=').ToUpperInvariant())
        {
            var value = Alphabet.IndexOf(c, StringComparison.Ordinal);
            if (value < 0)
            {
                throw new FormatException($"'{c}' is not base32.");
            }

            buffer = (buffer << 5) | value;
            bits += 5;
            if (bits >= 8)
            {
                bits -= 8;
                bytes.Add((byte)(buffer >> bits));
                buffer &= (1 << bits) - 1;
            }
        }

        return [.. bytes];
    }
}
