using System.Net;
using Educloud.Idp.LocalAccounts;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Educloud.Idp.Tests.LocalAccounts;

/// <summary>The password throttle's waits come from validated settings, as the one-time codes' lockout does (issue 9).</summary>
public sealed class PasswordThrottleSettingsTests
{
    private static readonly IPAddress Address = IPAddress.Parse("192.0.2.7");

    [Fact]
    public void ConfiguredFirstWait_IsTheFirstWait_AndDoublesUpToTheMaxWait()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 2, 10, 0, 0, TimeSpan.Zero));
        var settings = new LocalAccountOptions { PasswordFailuresPerAddress = 2, PasswordFirstWait = TimeSpan.FromMinutes(5), PasswordMaxWait = TimeSpan.FromMinutes(12) };
        var throttle = new PasswordThrottle(time, Options.Create(settings));

        throttle.Failed("someone", Address);
        throttle.WaitFor("someone", Address).Should().BeNull("one wrong password is free");
        throttle.Failed("someone", Address);
        throttle.WaitFor("someone", Address).Should().Be(TimeSpan.FromMinutes(5));
        throttle.Failed("someone", Address);
        throttle.WaitFor("someone", Address).Should().Be(TimeSpan.FromMinutes(10));
        throttle.Failed("someone", Address);
        throttle.WaitFor("someone", Address).Should().Be(TimeSpan.FromMinutes(12), "never longer than PasswordMaxWait");
    }

    [Theory]
    [InlineData("00:00:00")]
    [InlineData("02:00:00")]
    public void FirstWait_OutsideOneSecondToTheMaxWait_IsRefusedNamingTheKey(string firstWait)
    {
        var result = new LocalAccountOptionsValidator().Validate(null, new LocalAccountOptions { PasswordFirstWait = TimeSpan.Parse(firstWait, System.Globalization.CultureInfo.InvariantCulture) });

        result.Failed.Should().BeTrue();
        result.FailureMessage.Should().Contain("LocalAccounts:PasswordFirstWait");
    }

    [Fact]
    public void DefaultSettings_AreValid() =>
        new LocalAccountOptionsValidator().Validate(null, new LocalAccountOptions()).Succeeded.Should().BeTrue();
}
