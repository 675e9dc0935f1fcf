using Educloud.Idp.Tests.Infrastructure;

namespace Educloud.Idp.Tests.Federation.Digdir;

/// <summary>
/// Digdir's verification test 8 ("SLO etter timeout"): on the default settings, 30 idle minutes end
/// the IdP session; the person who comes back is taken through ID-porten's logout before a new
/// login. On a FakeTimeProvider shared by the IdP and the simulator.
/// </summary>
public sealed class DigdirTimeoutTests(DigdirFakeTimeFixture fixture) : IClassFixture<DigdirFakeTimeFixture>
{
    [Fact]
    public async Task DigdirTest8_LogoutAfterTimeout_ThirtyIdleMinutes_OurSessionIsOver_AndTheIdPortenSessionToo()
    {
        var pid = Flows.NewPid();
        var browser = fixture.Idp.NewBrowser();
        await fixture.LogInToOurServiceAsync(browser, pid);
        fixture.Clock!.Advance(TimeSpan.FromMinutes(29));
        await browser.GetAsync(Flows.AuthorizeUrl());
        Flows.RedirectParameters(browser).Should().ContainKey("code", "29 idle minutes are within the 30");

        fixture.Clock.Advance(TimeSpan.FromMinutes(31));
        var atIdPorten = await browser.GetAsync(Flows.AuthorizeUrl());

        atIdPorten.Address.AbsolutePath.Should().Be("/idporten-sim/endsession", "the person is taken through ID-porten's logout first");
        var back = await browser.GetAsync(atIdPorten.Document.QuerySelector("a[href]")!.GetAttribute("href")!);
        back.Address.AbsolutePath.Should().Be("/account/login", "then a new login");
        var other = await fixture.Service.StartAsync(browser);
        other.Page!.Address.AbsolutePath.Should().Be("/idporten-sim/authorize");
        browser.LeftTo.Should().BeNull("no ID-porten session is left: the other service needs a new login too");
    }
}
