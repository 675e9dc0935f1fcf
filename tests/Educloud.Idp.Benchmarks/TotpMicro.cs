using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using Educloud.Idp.Totp;

namespace Educloud.Idp.Benchmarks;

/// <summary>One in-process measurement: time and allocation per call on one thread.</summary>
public sealed record MicroResult(string Operation, int Iterations, double NanosecondsPerOperation, double BytesPerOperation)
{
    public double PerSecond => 1e9 / NanosecondsPerOperation;
}

/// <summary>
/// TOTP verification alone: the IdP's own code path, <see cref="TotpCode.MatchingStep"/> (the very
/// source file, compiled into the benchmark, with the same Otp.NET), as the login calls it (30-s
/// steps, 6 digits, one step of drift: three candidates, each compared in constant time). One
/// thread, a warm-up, then a Stopwatch over a fixed number of calls, best of three rounds.
/// </summary>
public static class TotpMicro
{
    private static long sink;

    public static IReadOnlyList<MicroResult> Run(int iterations)
    {
        var secret = TotpCode.NewSecret();
        var now = DateTimeOffset.UtcNow;
        var step = TotpCode.TimeStep(now, 30);
        var right = TotpCode.Compute(secret, now);
        if (TotpCode.MatchingStep(secret, right, now, 30, 6, driftSteps: 1) != step || Rfc6238.Code(secret, step) != right)
        {
            throw new InvalidOperationException("TotpCode and the benchmark's RFC 6238 disagree.");
        }

        // A code none of the three candidates has: the cost of a wrong guess.
        var candidates = new[] { step - 1, step, step + 1 }.Select(s => Rfc6238.Code(secret, s)).ToHashSet();
        var wrong = Enumerable.Range(0, 10).Select(i => ((int.Parse(right, CultureInfo.InvariantCulture) + 1 + i) % 1_000_000).ToString("D6", CultureInfo.InvariantCulture))
            .First(c => !candidates.Contains(c));

        var hash = new byte[20];
        return
        [
            Measure("TotpCode.MatchingStep, right code (drift 1: 3 candidates)", iterations, () => TotpCode.MatchingStep(secret, right, now, 30, 6, driftSteps: 1) ?? -1),
            Measure("TotpCode.MatchingStep, wrong code", iterations, () => TotpCode.MatchingStep(secret, wrong, now, 30, 6, driftSteps: 1) ?? -1),
            Measure("TotpCode.Compute, one candidate (Otp.NET)", iterations, () => TotpCode.Compute(secret, now).Length),
            Measure("one candidate, HMACSHA1.HashData alone (no Otp.NET)", iterations, () => HmacOnly(secret, step, hash)),
        ];
    }

    private static long HmacOnly(byte[] secret, long step, byte[] hash)
    {
        Span<byte> counter = stackalloc byte[8];
        BinaryPrimitives.WriteInt64BigEndian(counter, step);
#pragma warning disable CA5350 // HMAC-SHA1 is what RFC 6238 uses.
        HMACSHA1.HashData(secret, counter, hash);
#pragma warning restore CA5350
        return hash[19];
    }

    private static MicroResult Measure(string operation, int iterations, Func<long> call)
    {
        // Warm-up: a tenth of the calls (at least 10,000), so the JIT has reached tier 1.
        var warmup = Math.Max(iterations / 10, 10_000);
        for (var i = 0; i < warmup; i++)
        {
            sink += call();
        }

        var best = double.MaxValue;
        var bytes = 0.0;
        for (var round = 0; round < 3; round++)
        {
            var allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
            var clock = Stopwatch.StartNew();
            for (var i = 0; i < iterations; i++)
            {
                sink += call();
            }

            var elapsed = clock.Elapsed;
            var nanoseconds = elapsed.TotalNanoseconds / iterations;
            if (nanoseconds < best)
            {
                best = nanoseconds;
                bytes = (GC.GetAllocatedBytesForCurrentThread() - allocatedBefore) / (double)iterations;
            }
        }

        return new MicroResult(operation, iterations, best, bytes);
    }
}
