using Educloud.Idp.Data;
using Educloud.Idp.Tests.BackChannel;
using Educloud.Idp.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Educloud.Idp.Tests.Account;

/// <summary>"Log out everywhere" on the account page ends every session through the sessions services, so every app of every session is told.</summary>
public sealed class LogOutEverywhereTellsAppsTests(BackChannelFixture fixture) : IClassFixture<BackChannelFixture>
{
    private IdpHost Idp => fixture.Idp;

    [Fact]
    public async Task LogOutEverywhere_TheAppOfEachSessionIsToldOnce_AndItsRefreshTokensEnd()
    {
        var here = await BackChannelIdp.LogInToAppAsync(Idp);
        var elsewhere = await BackChannelIdp.LogInToAppAsync(Idp, here.Pid);
        here.Sid.Should().NotBe(elsewhere.Sid);

        var account = await here.Browser.GetAsync(IdpHost.Origin + "/account");
        account.Document.QuerySelectorAll("#sessions li .apps").Select(a => a.TextContent).Should().Equal(["Apps: Test research app", "Apps: Test research app"]);
        await here.Browser.SubmitAsync(account, "form[action='/account?handler=everywhere']");
        await BackChannelIdp.DeliverAsync(Idp);
        await BackChannelIdp.DeliverAsync(Idp);

        foreach (var login in new[] { here, elsewhere })
        {
            await LogoutReceiver.ValidateAsync(Idp, fixture.Receiver.For(login.Sid).Should().ContainSingle("the app is told once that session {0} ended", login.Sid).Subject);
            (await BackChannelIdp.RefreshStatusAsync(Idp, login.RefreshToken)).Should().Be(400);
        }

        var userId = await AdminApi.UserIdAsync(Idp, here.Pid);
        (await AdminApi.InScopeAsync(Idp, s => s.GetRequiredService<IdpDbContext>().AuditEvents.CountAsync(e => e.UserId == userId && e.Type == AuditEventTypes.LogoutEverywhere)))
            .Should().Be(1, "one act of the person");
    }
}
