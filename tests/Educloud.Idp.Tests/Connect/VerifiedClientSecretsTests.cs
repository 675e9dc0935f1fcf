using Educloud.Idp.Connect;
using Microsoft.Extensions.Time.Testing;

namespace Educloud.Idp.Tests.Connect;

/// <summary>The cache of verified client secrets never lets a wrong or rotated secret through.</summary>
public sealed class VerifiedClientSecretsTests
{
    private const string Hash = "AQAAAAEAACcQAAAAEFakeStoredHashWithSalt==";

    [Fact]
    public void RememberedSecret_MatchesOnlyTheSameSecretAndStoredHash()
    {
        var cache = new VerifiedClientSecrets(new FakeTimeProvider(DateTimeOffset.UtcNow));
        cache.Add("right-secret", Hash);

        cache.Contains("right-secret", Hash).Should().BeTrue();
        cache.Contains("wrong-secret", Hash).Should().BeFalse("a wrong secret is never taken from the cache");
        cache.Contains("right-secret", Hash + "rotated").Should().BeFalse("a rotated secret has a new stored hash");
    }

    [Fact]
    public void RememberedSecret_ExpiresAfterTenMinutes()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var cache = new VerifiedClientSecrets(time);
        cache.Add("right-secret", Hash);

        time.Advance(TimeSpan.FromMinutes(11));

        cache.Contains("right-secret", Hash).Should().BeFalse();
    }
}
