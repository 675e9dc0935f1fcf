using Educloud.Idp.Data;
using Educloud.Idp.Tests.Infrastructure;
using Educloud.Idp.Totp;
using Microsoft.AspNetCore.Http;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Educloud.Idp.Tests.Totp;

/// <summary>Verification that holds under attack: once only, lockout, replacement. Time is a FakeTimeProvider.</summary>
public sealed class TotpServiceTests : IDisposable
{
    private readonly FakeTimeProvider time = new(DateTimeOffset.UtcNow);
    private readonly IdpHost idp;

    public TotpServiceTests() => idp = new IdpHost(time: time);

    public void Dispose() => idp.Dispose();

    [Fact]
    public async Task SameCodeTwice_SecondIsRefusedAndAudited()
    {
        var (user, secret) = await EnrolledUserAsync();
        var code = TotpCode.Compute(secret, time.GetUtcNow());

        (await VerifyAsync(user, code)).Should().Be(TotpResult.Accepted);
        (await VerifyAsync(user, code)).Should().Be(TotpResult.Reused);

        (await AuditTypesAsync(user)).Should().Contain(AuditEventTypes.TotpReuseAttempted);
    }

    [Fact]
    public async Task TwentyConcurrentSubmissionsOfOneValidCode_ExactlyOneSucceeds()
    {
        var (user, secret) = await EnrolledUserAsync();
        var code = TotpCode.Compute(secret, time.GetUtcNow());

        var results = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => Task.Run(() => VerifyAsync(user, code))));

        results.Count(r => r == TotpResult.Accepted).Should().Be(1);
        results.Count(r => r == TotpResult.Reused).Should().Be(19);
    }

    [Fact]
    public async Task WrongCodes_Lock_RightCodeDuringLockoutFails_AndWorksAfter()
    {
        var (user, secret) = await EnrolledUserAsync();
        for (var i = 0; i < 4; i++)
        {
            (await VerifyAsync(user, Wrong(secret))).Should().Be(TotpResult.WrongCode);
        }

        (await VerifyAsync(user, Wrong(secret))).Should().Be(TotpResult.LockedOut, "the fifth wrong code locks (default 5)");
        (await VerifyAsync(user, TotpCode.Compute(secret, time.GetUtcNow()))).Should().Be(TotpResult.LockedOut, "a right code during the lockout still fails");

        time.Advance(TimeSpan.FromMinutes(15));
        (await VerifyAsync(user, TotpCode.Compute(secret, time.GetUtcNow()))).Should().Be(TotpResult.Accepted);
        (await AuditTypesAsync(user)).Should().Contain([AuditEventTypes.TotpWrongCode, AuditEventTypes.TotpLockedOut]);
    }

    [Fact]
    public async Task CorrectCode_ResetsTheFailureCount()
    {
        var (user, secret) = await EnrolledUserAsync();
        for (var i = 0; i < 4; i++)
        {
            await VerifyAsync(user, Wrong(secret));
        }

        (await VerifyAsync(user, TotpCode.Compute(secret, time.GetUtcNow()))).Should().Be(TotpResult.Accepted);
        for (var i = 0; i < 4; i++)
        {
            time.Advance(TimeSpan.FromSeconds(30));
            (await VerifyAsync(user, Wrong(secret))).Should().Be(TotpResult.WrongCode);
        }
    }

    [Fact]
    public async Task AbandonedEnrollment_LeavesTheOldAuthenticatorWorking_AndExpires()
    {
        var (user, oldSecret) = await EnrolledUserAsync();
        await using var scope = idp.Services.CreateAsyncScope();
        var pending = await scope.ServiceProvider.GetRequiredService<TotpService>().BeginEnrollmentAsync(user, CancellationToken.None);

        time.Advance(TimeSpan.FromSeconds(30));
        (await VerifyAsync(user, TotpCode.Compute(oldSecret, time.GetUtcNow()))).Should().Be(TotpResult.Accepted);

        time.Advance(TimeSpan.FromMinutes(11));
        (await ConfirmAsync(user, pending.FactorId, TotpCode.Compute(pending.Secret, time.GetUtcNow())))
            .Should().Be(TotpResult.NoAuthenticator, "a pending secret expires after 10 minutes");
    }

    [Fact]
    public async Task ConfirmedReplacement_MakesOldCodesFailAtOnce()
    {
        var (user, oldSecret) = await EnrolledUserAsync();
        await using var scope = idp.Services.CreateAsyncScope();
        var pending = await scope.ServiceProvider.GetRequiredService<TotpService>().BeginEnrollmentAsync(user, CancellationToken.None);

        time.Advance(TimeSpan.FromSeconds(30));
        (await ConfirmAsync(user, pending.FactorId, TotpCode.Compute(pending.Secret, time.GetUtcNow()))).Should().Be(TotpResult.Accepted);

        time.Advance(TimeSpan.FromSeconds(30));
        (await VerifyAsync(user, TotpCode.Compute(oldSecret, time.GetUtcNow()))).Should().Be(TotpResult.WrongCode);
        (await VerifyAsync(user, TotpCode.Compute(pending.Secret, time.GetUtcNow()))).Should().Be(TotpResult.Accepted);
        (await AuditTypesAsync(user)).Should().Contain(AuditEventTypes.TotpReplaced);
    }

    private static string Wrong(byte[] secret) => "000000" == TotpCode.Compute(secret, DateTimeOffset.UtcNow) ? "111111" : "000000";

    private async Task<(string User, byte[] Secret)> EnrolledUserAsync()
    {
        await using var scope = idp.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<IdpDbContext>();
        var user = new IdpUser { Id = Guid.NewGuid().ToString(), UserName = "u-" + Guid.NewGuid().ToString("N")[..8], CreatedAt = time.GetUtcNow() };
        db.Users.Add(user);
        await db.SaveChangesAsync();

        var pending = await scope.ServiceProvider.GetRequiredService<TotpService>().BeginEnrollmentAsync(user.Id, CancellationToken.None);
        (await ConfirmAsync(user.Id, pending.FactorId, TotpCode.Compute(pending.Secret, time.GetUtcNow()))).Should().Be(TotpResult.Accepted);
        time.Advance(TimeSpan.FromSeconds(30));
        return (user.Id, pending.Secret);
    }

    private async Task<TotpResult> VerifyAsync(string user, string code)
    {
        await using var scope = idp.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<TotpService>().VerifyAsync(user, code, Http(scope.ServiceProvider), "test-app");
    }

    private async Task<TotpResult> ConfirmAsync(string user, Guid factor, string code)
    {
        await using var scope = idp.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<TotpService>().ConfirmEnrollmentAsync(user, factor, code, Http(scope.ServiceProvider), "test-app");
    }

    private async Task<List<string>> AuditTypesAsync(string user)
    {
        await using var scope = idp.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<IdpDbContext>().AuditEvents.Where(a => a.UserId == user).Select(a => a.Type).ToListAsync();
    }

    private static DefaultHttpContext Http(IServiceProvider services) => new()
    {
        RequestServices = services,
        Connection = { RemoteIpAddress = System.Net.IPAddress.Loopback },
    };
}
