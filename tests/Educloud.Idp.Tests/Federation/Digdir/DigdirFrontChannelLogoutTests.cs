using Educloud.Idp.Tests.Infrastructure;

namespace Educloud.Idp.Tests.Federation.Digdir;

/// <summary>
/// Digdir's verification test 7 by front-channel logout alone (OpenID Connect Front-Channel Logout
/// 1.0): the IdP registered without a back-channel logout URI learns of a logout at another service
/// only when the browser loads the frame that ID-porten's logout page puts our URI in.
/// </summary>
public sealed class DigdirFrontChannelLogoutTests(DigdirFrontChannelOnlyFixture fixture) : IClassFixture<DigdirFrontChannelOnlyFixture>
{
    [Fact]
    public async Task DigdirTest7_SingleLogoutStartedAtTheOtherService_FrontChannel_EndsOurSession()
    {
        var pid = Flows.NewPid();
        var browser = fixture.Idp.NewBrowser();
        await fixture.LogInToOurServiceAsync(browser, pid);
        var other = await fixture.Service.StartAsync(browser);
        browser.LeftTo.Should().NotBeNull("single sign-on to the other service");
        var otherToken = await fixture.Service.RedeemAsync(browser, other);

        var logoutPage = await OtherService.LogOutAsync(browser, otherToken);

        (await DigdirFixture.IsLoggedOutOfOurServiceAsync(browser)).Should().BeFalse("nothing has told the IdP yet: no back-channel logout, the frame not loaded");
        (await fixture.LoadOurLogoutFramesAsync(logoutPage)).Should().Be(1, "ID-porten's logout page frames our front-channel logout URI");
        (await DigdirFixture.IsLoggedOutOfOurServiceAsync(browser)).Should().BeTrue("ID-porten's front-channel logout ended our session");
    }
}
