using System.IdentityModel.Tokens.Jwt;
using Educloud.Idp.Federation;
using Educloud.Idp.Tests.Infrastructure;
using Microsoft.AspNetCore.WebUtilities;

namespace Educloud.Idp.Tests.Federation;

/// <summary>
/// An app's acr_values raise the level asked of ID-porten (never lowered below the IdP's minimum),
/// and its ui_locales go on to ID-porten; a login below the level asked for is an error at the app,
/// and the id_token's acr says the level reached.
/// </summary>
public sealed class AppLevelAndLanguageTests(IdpFixture fixture) : IClassFixture<IdpFixture>
{
    private IdpHost Idp => fixture.Idp;

    [Fact]
    public async Task AppAskingHigh_IdPortenIsAskedHigh_AndTheIdTokenSaysHigh()
    {
        var browser = Idp.NewBrowser();
        var pkce = Pkce.New();
        var pid = Flows.NewPid();

        var simulator = await ToIdPortenAsync(browser, Flows.AuthorizeUrl(pkce: pkce, extra: new Dictionary<string, string?> { ["acr_values"] = Flows.High }));
        Asked(simulator, "acr_values").Should().Be(Flows.High);
        var next = await browser.SubmitAsync(simulator, values: new Dictionary<string, string> { ["sim_pid"] = pid, ["sim_acr"] = Flows.High });
        await Flows.AnswerSecondFactorAsync(browser, next, pid);

        var code = Flows.RedirectParameters(browser)["code"];
        using var backchannel = Idp.NewBackchannel();
        var (status, tokens) = await Flows.RedeemCodeAsync(backchannel, code, pkce);
        status.Should().Be(200, tokens.ToString());
        new JwtSecurityTokenHandler().ReadJwtToken(tokens.GetProperty("id_token").GetString()).Claims
            .Single(c => c.Type == "acr").Value.Should().Be(Flows.High);
    }

    [Fact]
    public async Task AppAskingHigh_LoginAtSubstantial_UnmetAuthenticationRequirementsAtTheApp()
    {
        var browser = Idp.NewBrowser();
        var url = Flows.AuthorizeUrl(extra: new Dictionary<string, string?> { ["acr_values"] = Flows.High });

        var simulator = await ToIdPortenAsync(browser, url);
        // ID-porten never grants less than asked; the fault plays one that does, so the IdP's own check shows.
        Idp.Faults.GrantLevelBelowRequested = true;
        try
        {
            await browser.SubmitAsync(simulator, values: new Dictionary<string, string> { ["sim_pid"] = Flows.NewPid(), ["sim_acr"] = Flows.Substantial });
        }
        finally
        {
            Idp.Faults.GrantLevelBelowRequested = false;
        }

        var response = Flows.RedirectParameters(browser);
        response["error"].Should().Be(UpstreamRefusals.UnmetAuthenticationRequirements);
        response["state"].Should().Be(QueryHelpers.ParseQuery(new Uri(url).Query)["state"].ToString());
        response.Should().NotContainKey("code");
    }

    [Fact]
    public async Task SessionAtSubstantial_AppAskingHigh_LogsInAgainAtHigh_OrLoginRequiredWithPromptNone()
    {
        var browser = await fixture.LoggedInBrowserAsync(Flows.NewPid());

        await browser.GetAsync(Flows.AuthorizeUrl(extra: new Dictionary<string, string?> { ["acr_values"] = Flows.High, ["prompt"] = "none" }));
        Flows.RedirectParameters(browser)["error"].Should().Be("login_required");

        var page = await browser.GetAsync(Flows.AuthorizeUrl(extra: new Dictionary<string, string?> { ["acr_values"] = Flows.High }));
        browser.LeftTo.Should().BeNull("a session at substantial does not answer a request for high");
        page.Address.AbsolutePath.Should().Be("/account/login");
        var simulator = await browser.SubmitAsync(page);
        Asked(simulator, "acr_values").Should().Be(Flows.High);
    }

    [Fact]
    public async Task AppAskingSubstantialOrUnknownLevels_IdPortenIsAskedTheIdPsMinimum()
    {
        var browser = Idp.NewBrowser();

        var simulator = await ToIdPortenAsync(browser, Flows.AuthorizeUrl(extra: new Dictionary<string, string?> { ["acr_values"] = "idporten-loa-low something-else" }));

        Asked(simulator, "acr_values").Should().Be(Flows.Substantial, "never lower than the IdP's IdPorten:AcrValues");
    }

    [Fact]
    public async Task AppUiLocales_AreForwardedToIdPorten()
    {
        var browser = Idp.NewBrowser();

        var simulator = await ToIdPortenAsync(browser, Flows.AuthorizeUrl(extra: new Dictionary<string, string?> { ["ui_locales"] = "nn en" }));

        // The simulator shows the first language it supports of those asked (its own default is nb):
        // nn, which only the app asked for.
        Asked(simulator, "ui_locales").Should().Be("nn");
    }

    [Theory]
    [InlineData(null, Flows.Substantial, Flows.Substantial)]
    [InlineData(Flows.High, Flows.Substantial, Flows.High)]
    [InlineData(Flows.Substantial + " " + Flows.High, Flows.Substantial, Flows.Substantial)]
    [InlineData(Flows.Substantial, Flows.High, Flows.High)]
    [InlineData("eidas-loa-high", Flows.Substantial, Flows.Substantial)]
    public void LevelFor_RaisesNeverLowers(string? acrValues, string configured, string expected) =>
        AppLoginRequest.LevelFor(acrValues, configured).Should().Be(expected);

    [Theory]
    [InlineData("en", "en")]
    [InlineData("nn en-GB", "nn en-GB")]
    [InlineData("<script> en", "en")]
    [InlineData("   ", null)]
    public void UiLocalesFrom_KeepsWellFormedTagsOnly(string value, string? expected) =>
        AppLoginRequest.UiLocalesFrom(value).Should().Be(expected);

    private static async Task<BrowserPage> ToIdPortenAsync(TestBrowser browser, string authorizeUrl)
    {
        var login = await browser.GetAsync(authorizeUrl);
        login.Address.AbsolutePath.Should().Be("/account/login", login.Body);
        var simulator = await browser.SubmitAsync(login);
        simulator.Address.AbsolutePath.Should().Be("/idporten-sim/authorize", simulator.Body);
        return simulator;
    }

    /// <summary>One parameter of what the IdP asked of ID-porten, as the simulator's page shows it (with PAR it is not in the URL).</summary>
    private static string? Asked(BrowserPage simulator, string name) =>
        Flows.AskedOfIdPorten(simulator).Split(' ').Select(p => p.Split('=', 2)).FirstOrDefault(p => p[0] == name)?[1];
}
