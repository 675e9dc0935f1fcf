using System.Text;
using Educloud.Idp.Totp;
using OtpNet;

namespace Educloud.Idp.Tests.Totp;

/// <summary>RFC 6238 Appendix B, all 18 rows, through the project's own code path (the test vectors of RFC 6238 Appendix B).</summary>
public sealed class TotpCodeTests
{
    private static readonly byte[] Sha1Seed = Encoding.ASCII.GetBytes("12345678901234567890");
    private static readonly byte[] Sha256Seed = Encoding.ASCII.GetBytes("12345678901234567890123456789012");

    // Erratum 2866: the SHA512 seed is 64 bytes, not the 20-byte one.
    private static readonly byte[] Sha512Seed = Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat("1234567890", 7))[..64]);

    [Theory]
    [InlineData(59L, "94287082", "46119246", "90693936")]
    [InlineData(1111111109L, "07081804", "68084774", "25091201")]
    [InlineData(1111111111L, "14050471", "67062674", "99943326")]
    [InlineData(1234567890L, "89005924", "91819424", "93441116")]
    [InlineData(2000000000L, "69279037", "90698825", "38618901")]
    [InlineData(20000000000L, "65353130", "77737706", "47863826")]
    public void Rfc6238AppendixB_AllAlgorithms_Match(long unixTime, string sha1, string sha256, string sha512)
    {
        var time = DateTimeOffset.FromUnixTimeSeconds(unixTime);

        TotpCode.Compute(Sha1Seed, time, 30, 8, OtpHashMode.Sha1).Should().Be(sha1);
        TotpCode.Compute(Sha256Seed, time, 30, 8, OtpHashMode.Sha256).Should().Be(sha256);
        TotpCode.Compute(Sha512Seed, time, 30, 8, OtpHashMode.Sha512).Should().Be(sha512);
    }

    [Fact]
    public void MatchingStep_WithinDrift_FindsTheStep_AndOutsideDoesNot()
    {
        var secret = TotpCode.NewSecret();
        var now = DateTimeOffset.FromUnixTimeSeconds(1_800_000_000);
        var previous = TotpCode.Compute(secret, now.AddSeconds(-30));
        var twoAgo = TotpCode.Compute(secret, now.AddSeconds(-60));

        TotpCode.MatchingStep(secret, previous, now, 30, 6, driftSteps: 1).Should().Be(TotpCode.TimeStep(now, 30) - 1);
        TotpCode.MatchingStep(secret, previous, now, 30, 6, driftSteps: 0).Should().BeNull("drift 0 accepts only the current step (ASVS 5 6.5.5)");
        TotpCode.MatchingStep(secret, twoAgo, now, 30, 6, driftSteps: 1).Should().BeNull();
    }

    [Theory]
    [InlineData("")]
    [InlineData("12345")]
    [InlineData("1234567")]
    [InlineData("12a456")]
    [InlineData("١٢٣٤٥٦")]
    public void MatchingStep_MalformedCode_IsNoMatch(string code) =>
        TotpCode.MatchingStep(TotpCode.NewSecret(), code, DateTimeOffset.UnixEpoch.AddYears(50), 30, 6, 1).Should().BeNull();

    [Fact]
    public void NewSecret_Is160BitsAndDiffersEachTime()
    {
        var a = TotpCode.NewSecret();
        a.Should().HaveCount(20);
        TotpCode.NewSecret().Should().NotEqual(a);
    }

    [Fact]
    public void OtpAuthUri_HasIssuerLabelAlgorithmDigitsAndPeriod()
    {
        var secret = Encoding.ASCII.GetBytes("12345678901234567890");

        TotpCode.OtpAuthUri(secret, "Educloud Research", "idporten-1a2b3c4d", 6, 30).Should().Be(
            "otpauth://totp/Educloud%20Research:idporten-1a2b3c4d?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Educloud%20Research&algorithm=SHA1&digits=6&period=30");
    }
}
