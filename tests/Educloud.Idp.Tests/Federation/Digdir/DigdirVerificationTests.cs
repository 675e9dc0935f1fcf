using Educloud.Idp.Tests.Infrastructure;

namespace Educloud.Idp.Tests.Federation.Digdir;

/// <summary>
/// Digdir's verification tests of an ID-porten integration ("Verifikasjonstester"), one test each,
/// against the simulator with the IdP registered as at Digdir (<see cref="DigdirFixture"/>). "Our
/// service" is a research app logging in through the IdP; "the other service" is another client of
/// ID-porten (<see cref="OtherService"/>), the part Digdir's test service plays. docs/idporten.md
/// says how the IdP passes each.
/// </summary>
public sealed class DigdirVerificationTests(DigdirFixture fixture) : IClassFixture<DigdirFixture>
{
    private IdpHost Idp => fixture.Idp;

    [Fact]
    public async Task DigdirTest9_ForcedReauthentication_PromptLogin_IdPortenAsksForANewLoginDespiteItsSession()
    {
        var pid = Flows.NewPid();
        var browser = Idp.NewBrowser();
        var first = await fixture.LogInToOurServiceAsync(browser, pid);

        // prompt=login from the app: our session is not enough, nor is ID-porten's.
        var pkce = Pkce.New();
        var login = await browser.GetAsync(Flows.AuthorizeUrl(pkce: pkce, extra: new Dictionary<string, string?> { ["prompt"] = "login" }));
        login.Address.AbsolutePath.Should().Be("/account/login");
        var atIdPorten = await browser.SubmitAsync(login);

        atIdPorten.Address.AbsolutePath.Should().Be("/idporten-sim/authorize", "ID-porten shows its login page again");
        atIdPorten.Document.QuerySelector("input[name=prompt]")!.GetAttribute("value").Should().Be("login", "the IdP passed prompt=login on to ID-porten");
        var next = await browser.SubmitAsync(atIdPorten, values: new Dictionary<string, string> { ["sim_pid"] = pid, ["sim_pid_other"] = "", ["sim_acr"] = Flows.Substantial });
        await Flows.AnswerSecondFactorAsync(browser, next, pid);
        var again = await fixture.RedeemAsync(browser, pkce);
        again.IdToken.Subject.Should().Be(first.IdToken.Subject);
    }
}
