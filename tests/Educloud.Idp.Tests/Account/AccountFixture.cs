using Educloud.Idp.Data;
using Educloud.Idp.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Educloud.Idp.Tests.Account;

/// <summary>
/// One IdP per test class on a FakeTimeProvider: each login moves the clock past a time step, so one
/// person may log in as often as a test needs (a code is accepted once per step).
/// </summary>
public sealed class AccountFixture : IdpFixture
{
    public AccountFixture()
        : this(new FakeTimeProvider(DateTimeOffset.UtcNow))
    {
    }

    private AccountFixture(FakeTimeProvider time)
        : base(new IdpHost(time: time)) => Time = time;

    public FakeTimeProvider Time { get; }

    /// <summary>A new browser logged in as <paramref name="pid"/> from the login page (an IdP session, no app), a time step after the last login.</summary>
    public Task<TestBrowser> LoggedInAsync(string pid, string acr = Flows.Substantial)
    {
        Time.Advance(TimeSpan.FromSeconds(31));
        return LoggedInBrowserAsync(pid, acr);
    }

    /// <summary>Whether the browser still has an IdP session: the account page answers, not the login page.</summary>
    public static async Task<bool> HasSessionAsync(TestBrowser browser)
    {
        var page = await browser.GetAsync(IdpHost.Origin + "/account");
        return page.Address.AbsolutePath == "/account";
    }

    /// <summary>The person's audit events, oldest first.</summary>
    public Task<List<AuditEvent>> EventsAsync(string userId) =>
        AdminApi.InScopeAsync(Idp, s => s.GetRequiredService<IdpDbContext>().AuditEvents.AsNoTracking()
            .Where(e => e.UserId == userId).OrderBy(e => e.Id).ToListAsync());
}
