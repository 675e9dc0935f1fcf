using Educloud.Idp.Data;
using Educloud.Idp.Tests.Infrastructure;
using Educloud.Idp.Totp;
using Microsoft.AspNetCore.Http;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Educloud.Idp.Tests.Totp;

/// <summary>
/// Verification that holds under attack: once only, lockout, replacement. Time is a FakeTimeProvider.
/// Every test runs on both databases (the nested classes): the conditional UPDATEs that decide
/// must hold on SQLite's single writer and on PostgreSQL's row locks alike.
/// </summary>
public abstract class TotpServiceTests : IDisposable
{
    private readonly FakeTimeProvider time = new(DateTimeOffset.UtcNow);
    private readonly IdpHost idp;

    private TotpServiceTests(TestDatabase database) => idp = new IdpHost(time: time, database: database);

    public void Dispose()
    {
        idp.Dispose();
        GC.SuppressFinalize(this);
    }

    public sealed class OnSqlite() : TotpServiceTests(TestDatabase.Sqlite);

    public sealed class OnPostgreSql() : TotpServiceTests(TestDatabase.PostgreSql);

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
    public async Task FiftyConcurrentSubmissionsOfOneValidCode_ExactlyOneSucceeds()
    {
        var (user, secret) = await EnrolledUserAsync();
        var code = TotpCode.Compute(secret, time.GetUtcNow());

        var results = await Task.WhenAll(Enumerable.Range(0, 50).Select(_ => Task.Run(() => VerifyAsync(user, code))));

        results.Count(r => r == TotpResult.Accepted).Should().Be(1);
        // The others are refused as replays, or (their attempts counted first) by the lockout.
        results.Count(r => r is TotpResult.Reused or TotpResult.LockedOut).Should().Be(49);
    }

    [Fact]
    public async Task TwoHundredParallelWrongGuesses_AreComparedAtMostMaxFailedAttemptsTimes()
    {
        var (user, secret) = await EnrolledUserAsync();

        var results = await Task.WhenAll(Enumerable.Range(0, 200).Select(_ => Task.Run(() => VerifyAsync(user, Wrong(secret)))));

        // Every code that was compared leaves one audit row (wrong code, or locked out after its
        // own comparison); a refusal before the comparison leaves none.
        (await ComparedWrongAsync(user)).Should().BeLessThanOrEqualTo(5);
        results.Count(r => r == TotpResult.LockedOut).Should().BeGreaterThanOrEqualTo(195);
        (await FailuresAsync(user)).Should().Be(5);
    }

    [Fact]
    public async Task TwoHundredParallelRightCodes_OneIsAccepted_AndFewAreCompared()
    {
        var (user, secret) = await EnrolledUserAsync();
        var code = TotpCode.Compute(secret, time.GetUtcNow());

        var results = await Task.WhenAll(Enumerable.Range(0, 200).Select(_ => Task.Run(() => VerifyAsync(user, code))));

        results.Count(r => r == TotpResult.Accepted).Should().Be(1);
        // At most a round before the accepted code reset the count and a round after it.
        (await AuditCountAsync(user, AuditEventTypes.TotpReuseAttempted)).Should().BeLessThanOrEqualTo(2 * 5 - 1);
    }

    [Fact]
    public async Task WrongCodes_KeepCountingAcrossLockouts_AndEachLockoutIsLonger()
    {
        var (user, secret) = await EnrolledUserAsync();
        await WrongCodesAsync(user, secret, 4, TotpResult.WrongCode);
        await WrongCodesAsync(user, secret, 1, TotpResult.LockedOut);
        time.Advance(TimeSpan.FromMinutes(15));

        // The first lockout is over, but the count is not restarted: five more lock again, for 30 minutes.
        await WrongCodesAsync(user, secret, 4, TotpResult.WrongCode);
        await WrongCodesAsync(user, secret, 1, TotpResult.LockedOut);
        (await FailuresAsync(user)).Should().Be(10);
        time.Advance(TimeSpan.FromMinutes(15));
        (await VerifyAsync(user, TotpCode.Compute(secret, time.GetUtcNow()))).Should().Be(TotpResult.LockedOut, "the second lockout lasts 30 minutes");
        time.Advance(TimeSpan.FromMinutes(15));
        (await VerifyAsync(user, TotpCode.Compute(secret, time.GetUtcNow()))).Should().Be(TotpResult.Accepted);
        (await FailuresAsync(user)).Should().Be(0, "a right code resets the count");
    }

    [Fact]
    public async Task LockoutLength_DoublesPerLockout_UpToTheMaximum()
    {
        await using var scope = idp.Services.CreateAsyncScope();
        var totp = scope.ServiceProvider.GetRequiredService<TotpService>();

        Enumerable.Range(1, 10).Select(totp.LockoutLength).Should().Equal(
            [.. new[] { 15, 30, 60, 120, 240, 480, 960, 1440, 1440, 1440 }.Select(m => TimeSpan.FromMinutes(m))]);
    }

    [Fact]
    public async Task HundredConsecutiveWrongCodes_StopTheRightCodeForGood_UntilANewAuthenticatorIsSetUp()
    {
        var (user, secret) = await EnrolledUserAsync();
        for (var round = 0; round < 20; round++)
        {
            await WrongCodesAsync(user, secret, 4, TotpResult.WrongCode);
            await WrongCodesAsync(user, secret, 1, TotpResult.LockedOut);
            time.Advance(TimeSpan.FromDays(1));
        }

        (await FailuresAsync(user)).Should().Be(100);
        time.Advance(TimeSpan.FromDays(30));
        (await VerifyAsync(user, TotpCode.Compute(secret, time.GetUtcNow()))).Should().Be(TotpResult.LockedOut, "100 consecutive failures stop the account (NIST 800-63B 5.2.2)");
        (await FailuresAsync(user)).Should().Be(100, "a refused attempt is not compared or counted");
        (await AuditTypesAsync(user)).Should().Contain(AuditEventTypes.TotpLockedOut);

        // A fresh ID-porten login (or support's enrollment code) leads to a new authenticator: that ends the stop.
        await using var scope = idp.Services.CreateAsyncScope();
        var pending = await scope.ServiceProvider.GetRequiredService<TotpService>().BeginEnrollmentAsync(user, CancellationToken.None);
        (await ConfirmAsync(user, pending.FactorId, TotpCode.Compute(pending.Secret, time.GetUtcNow()))).Should().Be(TotpResult.Accepted);
        (await FailuresAsync(user)).Should().Be(0);
        time.Advance(TimeSpan.FromSeconds(30));
        (await VerifyAsync(user, TotpCode.Compute(pending.Secret, time.GetUtcNow()))).Should().Be(TotpResult.Accepted);
    }

    [Fact]
    public async Task StoppedAccount_UnlockedBySupport_AcceptsTheRightCodeAgain()
    {
        var (user, secret) = await EnrolledUserAsync();
        await using (var scope = idp.Services.CreateAsyncScope())
        {
            await scope.ServiceProvider.GetRequiredService<IdpDbContext>().Users.Where(u => u.Id == user)
                .ExecuteUpdateAsync(u => u.SetProperty(x => x.TotpFailedAttempts, 99));
        }

        await WrongCodesAsync(user, secret, 1, TotpResult.LockedOut);
        (await VerifyAsync(user, TotpCode.Compute(secret, time.GetUtcNow()))).Should().Be(TotpResult.LockedOut);

        time.Advance(TimeSpan.FromDays(2));
        var admin = await AdminApi.LogInAsync(idp, "admin");
        var details = await AdminApi.SendAsync(idp, admin.AccessToken, HttpMethod.Get, $"/api/admin/users/{user}");
        details.Body.GetProperty("lockedOut").GetBoolean().Should().BeTrue("support must see the stop, also after the last lockout has run out");
        (await AdminApi.SendAsync(idp, admin.AccessToken, HttpMethod.Post, $"/api/admin/users/{user}/unlock", new { reason = "checked with the person" })).Status.Should().Be(204);

        time.Advance(TimeSpan.FromSeconds(30));
        (await VerifyAsync(user, TotpCode.Compute(secret, time.GetUtcNow()))).Should().Be(TotpResult.Accepted);
    }

    [Theory]
    [InlineData(101, 5)]
    [InlineData(4, 5)]
    public void MaxConsecutiveFailures_AboveHundredOrBelowARound_IsRefusedNamingTheKey(int stop, int perRound) =>
        new TotpOptionsValidator().Validate(null, new TotpOptions { MaxConsecutiveFailures = stop, MaxFailedAttempts = perRound })
            .FailureMessage.Should().Contain("Totp:MaxConsecutiveFailures");

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
            .Should().Be(TotpResult.Expired, "a pending secret expires after 10 minutes (and says so: the page shows a new QR code)");
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

    private async Task WrongCodesAsync(string user, byte[] secret, int count, TotpResult expected)
    {
        for (var i = 0; i < count; i++)
        {
            (await VerifyAsync(user, Wrong(secret))).Should().Be(expected);
        }
    }

    private async Task<int> FailuresAsync(string user)
    {
        await using var scope = idp.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<IdpDbContext>().Users.Where(u => u.Id == user).Select(u => u.TotpFailedAttempts).SingleAsync();
    }

    private async Task<int> AuditCountAsync(string user, string type)
    {
        await using var scope = idp.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<IdpDbContext>().AuditEvents.CountAsync(a => a.UserId == user && a.Type == type);
    }

    private async Task<int> ComparedWrongAsync(string user) =>
        await AuditCountAsync(user, AuditEventTypes.TotpWrongCode) + await AuditCountAsync(user, AuditEventTypes.TotpLockedOut);

    // A code that matches none of the steps accepted now (drift included).
    private string Wrong(byte[] secret)
    {
        var now = time.GetUtcNow();
        var accepted = new[] { -1, 0, 1 }.Select(d => TotpCode.Compute(secret, now.AddSeconds(30 * d))).ToHashSet();
        return new[] { "000000", "111111", "222222", "333333" }.First(c => !accepted.Contains(c));
    }

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
