using System.Net;
using Educloud.Idp.Tests.Infrastructure;
using Educloud.Idp.Totp;

namespace Educloud.Idp.Tests.Totp;

/// <summary>A per-client-IP limit on code submissions stops spraying; the lockout protects each account.</summary>
public sealed class RateLimitTests : IDisposable
{
    private readonly IdpHost idp = new(new Dictionary<string, string?> { ["Totp:SubmissionsPerIpPerMinute"] = "3" });

    public void Dispose() => idp.Dispose();

    [Fact]
    public async Task CodeSubmissionsFromOneAddress_BeyondTheLimit_Get429()
    {
        var browser = idp.NewBrowser();
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 5; i++)
        {
            statuses.Add((await browser.PostFormAsync(IdpHost.Origin + "/account/code", [new("code", "123456")])).Status);
        }

        statuses.Take(3).Should().NotContain(HttpStatusCode.TooManyRequests);
        statuses.Skip(3).Should().AllBeEquivalentTo(HttpStatusCode.TooManyRequests);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(101)]
    public void MaxFailedAttempts_OutsideOneToHundred_IsRefusedNamingTheKey(int attempts)
    {
        new TotpOptionsValidator().Validate(null, new TotpOptions { MaxFailedAttempts = attempts }).FailureMessage.Should().Contain("Totp:MaxFailedAttempts");
    }
}
