using Educloud.Idp.Data;
using Educloud.Idp.Tests.Infrastructure;
using Educloud.Idp.Totp;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Educloud.Idp.Tests.Data;

public sealed class PruningTests : IDisposable
{
    private readonly FakeTimeProvider time = new(DateTimeOffset.UtcNow);
    private readonly IdpHost idp;

    public PruningTests() => idp = new IdpHost(time: time);

    public void Dispose() => idp.Dispose();

    [Fact]
    public async Task Prune_RemovesAbandonedEnrollmentsAndOldSessions_AndKeepsLiveOnes()
    {
        var browser = idp.NewBrowser();
        await Flows.LogInAtIdPortenAsync(browser, await browser.GetAsync(IdpHost.Origin + "/account/login"), Flows.NewPid());
        string user;
        await using (var scope = idp.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<IdpDbContext>();
            user = (await db.Sessions.SingleAsync()).UserId;
            await scope.ServiceProvider.GetRequiredService<TotpService>().BeginEnrollmentAsync(user, CancellationToken.None);
        }

        time.Advance(TimeSpan.FromHours(1));
        await idp.Services.GetRequiredService<Pruning>().PruneOnceAsync(CancellationToken.None);
        await using (var scope = idp.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<IdpDbContext>();
            (await db.TotpFactors.CountAsync(f => f.State == TotpFactorState.Pending)).Should().Be(0);
            (await db.TotpFactors.CountAsync(f => f.State == TotpFactorState.Active)).Should().Be(1);
            (await db.Sessions.CountAsync()).Should().Be(1, "a session still within its lifetime is kept");
        }

        time.Advance(TimeSpan.FromDays(8));
        await idp.Services.GetRequiredService<Pruning>().PruneOnceAsync(CancellationToken.None);
        await using (var scope = idp.Services.CreateAsyncScope())
        {
            (await scope.ServiceProvider.GetRequiredService<IdpDbContext>().Sessions.CountAsync()).Should().Be(0);
        }
    }
}
