using System.Net;
using Microsoft.IdentityModel.JsonWebTokens;

namespace Educloud.IdPortenSimulator.Tests;

/// <summary>ID-porten's three levels, eIDAS persons, and the page's languages (ui_locales).</summary>
public sealed class LevelAndLanguageTests : SimulatorTestBase
{
    private async Task<JsonWebToken> IdTokenAsync(string pid, string acr, Dictionary<string, string?>? changes = null)
    {
        var verifier = SimulatorHost.NewVerifier();
        var code = await Host.GetCodeAsync(SimulatorHost.AuthorizeParameters(verifier, changes: changes), pid, acr);
        using var response = await Host.RedeemWithBasicAsync(code, verifier);
        return await ValidateIdTokenAsync((await SimulatorHost.JsonAsync(response)).GetProperty("id_token").GetString()!);
    }

    [Fact]
    public async Task Login_AtLowWhenLowIsAsked_GivesIdportenLoaLow()
    {
        var token = await IdTokenAsync(SyntheticPersons.All[0].Pid, "idporten-loa-low", new() { ["acr_values"] = "idporten-loa-low" });

        token.GetClaim("acr").Value.Should().Be("idporten-loa-low");
    }

    [Theory]
    [InlineData("idporten-loa-high", "idporten-loa-substantial")]
    [InlineData(null, "idporten-loa-low")]
    public async Task Login_BelowTheLevelAsked_RerendersThePageWith400(string? asked, string chosen)
    {
        using var response = await Host.LoginAsync(SimulatorHost.AuthorizeParameters(SimulatorHost.NewVerifier(), changes: new() { ["acr_values"] = asked }), acr: chosen);

        response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        response.Headers.Location.Should().BeNull();
        (await response.Content.ReadAsStringAsync()).Should().Contain("role=\"alert\"").And.Contain("at least");
    }

    [Fact]
    public async Task Login_BelowTheLevelAsked_WithTheFault_IsGrantedAsChosen()
    {
        Host.Faults.GrantLevelBelowRequested = true;

        var token = await IdTokenAsync(SyntheticPersons.All[0].Pid, "idporten-loa-substantial", new() { ["acr_values"] = "idporten-loa-high" });

        token.GetClaim("acr").Value.Should().Be("idporten-loa-substantial");
    }

    [Fact]
    public async Task EidasPerson_GetsEidasAcrAndClaimsAndNoPid()
    {
        var person = SyntheticPersons.Eidas[0];

        var token = await IdTokenAsync("eidas-0", "idporten-loa-high");

        token.GetClaim("acr").Value.Should().Be("eidas-loa-high");
        token.TryGetClaim("pid", out _).Should().BeFalse();
        token.GetClaim("eidas_identifier").Value.Should().Be(person.Identifier);
        token.GetClaim("eidas_firstname").Value.Should().Be(person.FirstName);
        token.GetClaim("eidas_lastname").Value.Should().Be(person.LastName);
        token.GetClaim("eidas_date_of_birth").Value.Should().Be(person.DateOfBirth);
        token.GetClaim("amr").Value.Should().Be("eIDAS");
        token.Subject.Should().NotBeNullOrEmpty().And.NotContain(person.Identifier);
    }

    [Fact]
    public async Task EidasPerson_IsOfferedOnThePage()
    {
        using var page = await Host.GetAuthorizeAsync(SimulatorHost.AuthorizeParameters(SimulatorHost.NewVerifier()));

        (await page.Content.ReadAsStringAsync()).Should().Contain("value=\"eidas-0\"").And.Contain(SyntheticPersons.Eidas[0].Name).And.Contain("eIDAS");
    }

    [Theory]
    [InlineData("nb", "Logg inn", "Avbryt")]
    [InlineData("nn", "Logg inn", "Tryggleiksnivå")]
    [InlineData("en", "Log in", "Cancel")]
    [InlineData("se", "Čálit sisa", "Gaskkalduhte")]
    [InlineData("de se", "Čálit sisa", "Sihkarvuođadássi")]
    public async Task Page_InTheFirstSupportedUiLocale_HasItsTextsAndLang(string uiLocales, string logIn, string other)
    {
        using var page = await Host.GetAuthorizeAsync(SimulatorHost.AuthorizeParameters(SimulatorHost.NewVerifier(), changes: new() { ["ui_locales"] = uiLocales }));

        var html = await page.Content.ReadAsStringAsync();
        html.Should().Contain($"<html lang=\"{uiLocales.Split(' ')[^1]}\">").And.Contain($">{logIn}</button>").And.Contain(other);
    }

    [Fact]
    public async Task Page_WithoutUiLocales_IsEnglishAndTheLocaleClaimNb()
    {
        using var page = await Host.GetAuthorizeAsync(SimulatorHost.AuthorizeParameters(SimulatorHost.NewVerifier(), changes: new() { ["ui_locales"] = null }));
        (await page.Content.ReadAsStringAsync()).Should().Contain("<html lang=\"en\">");

        var token = await IdTokenAsync(SyntheticPersons.All[0].Pid, "idporten-loa-substantial", new() { ["ui_locales"] = null });

        token.GetClaim("locale").Value.Should().Be("nb");
    }

    /// <summary>With PAR the request is not in the URL: the page shows what the service asked for.</summary>
    [Fact]
    public async Task Page_ShowsWhatTheServiceAskedFor()
    {
        using var page = await Host.GetAuthorizeAsync(SimulatorHost.AuthorizeParameters(SimulatorHost.NewVerifier(), changes: new()
        {
            ["prompt"] = "login",
            ["max_age"] = "0",
            ["acr_values"] = "idporten-loa-high",
        }));

        (await page.Content.ReadAsStringAsync()).Should().Contain("id=\"sim-request\">acr_values=idporten-loa-high prompt=login max_age=0 ui_locales=en</p>");
    }

    [Fact]
    public async Task LocaleClaim_FollowsUiLocales()
    {
        var token = await IdTokenAsync(SyntheticPersons.All[0].Pid, "idporten-loa-substantial", new() { ["ui_locales"] = "nn" });

        token.GetClaim("locale").Value.Should().Be("nn");
    }
}
