using System.Net;
using Educloud.Idp.Tests.Infrastructure;
using Microsoft.AspNetCore.WebUtilities;

namespace Educloud.ResearchApp.Tests;

/// <summary>The sample app as a relying party: a whole login through the IdP, and its logout.</summary>
public sealed class SampleLoginTests(ResearchAppFixture fixture) : IClassFixture<ResearchAppFixture>
{
    [Fact]
    public async Task Login_ThroughTheSample_HomePageShowsWhoAndHow()
    {
        var (_, home, pid) = await fixture.LogInAsync();

        home.Status.Should().Be(HttpStatusCode.OK, home.Body);
        HomePage.Field(home, "sub").Should().Be(await AdminApi.UserIdAsync(fixture.Idp, pid), "sub is the IdP's id of the person, never the pid");
        HomePage.Field(home, "acr").Should().Be(ResearchAppFixture.AskedLevel);
        HomePage.Field(home, "amr").Split(' ').Should().Contain(["otp", "mfa"]);
        HomePage.Field(home, "auth-time").Should().NotBeEmpty();
        HomePage.Field(home, "sid").Should().NotBeEmpty();
        HomePage.Field(home, "refresh-token").Should().StartWith("held", "the app asks for offline_access");
        home.Body.Should().NotContain(pid);
    }

    [Fact]
    public async Task Login_GoesThroughPar_AndAsksTheAppsLevelOfIdPorten()
    {
        var browser = fixture.App.NewBrowser();
        var pid = Flows.NewPid();

        var challenge = await browser.SendAsync(new HttpRequestMessage(HttpMethod.Get, ResearchAppHost.Origin + "/login"), followRedirects: false);

        var authorize = challenge.Response.Headers.Location!;
        authorize.GetLeftPart(UriPartial.Path).Should().Be(IdpHost.Origin + "/connect/authorize");
        // With PAR the browser carries only a reference to the pushed request, none of the request itself.
        QueryHelpers.ParseQuery(authorize.Query).Keys.Should().Contain(["client_id", "request_uri"])
            .And.NotContain(["redirect_uri", "scope", "state", "nonce", "code_challenge", "acr_values"]);
        var loginPage = await browser.GetAsync(authorize.AbsoluteUri);
        var simulator = await browser.SubmitAsync(loginPage);
        Flows.AskedOfIdPorten(simulator).Should().Contain(ResearchAppFixture.AskedLevel, "the app's acr_values go on to ID-porten");
        var next = await browser.SubmitAsync(simulator, values: new Dictionary<string, string> { ["sim_pid"] = pid, ["sim_acr"] = ResearchAppFixture.AskedLevel });
        var home = await Flows.AnswerSecondFactorAsync(browser, next, pid);
        HomePage.Field(home, "acr").Should().Be(ResearchAppFixture.AskedLevel);
    }

    [Fact]
    public async Task NotLoggedIn_HomePage_AsksToLogIn_AndTheApiPageSendsToTheIdp()
    {
        var browser = fixture.App.NewBrowser();

        HomePage.AsksToLogIn(await fixture.HomeAsync(browser)).Should().BeTrue();
        var page = await browser.GetAsync(ResearchAppHost.Origin + "/call-api");
        page.Address.GetLeftPart(UriPartial.Path).Should().Be(IdpHost.Origin + "/account/login");
    }

    [Fact]
    public async Task LogoutButton_EndsTheAppAndIdpSessions_ThroughTheIdpsEndSession_AndComesBack()
    {
        var (browser, home, _) = await fixture.LogInAsync();

        var atIdPorten = await browser.SubmitAsync(home, "form#logout-form");
        atIdPorten.Address.AbsolutePath.Should().StartWith("/idporten-sim/", "the IdP sends the person on to ID-porten's logout");
        await browser.GetAsync(atIdPorten.Document.QuerySelector("a[href]")!.GetAttribute("href")!);

        browser.LeftTo.Should().BeNull("the way back stays within the app");
        HomePage.AsksToLogIn(await fixture.HomeAsync(browser)).Should().BeTrue();
        (await browser.GetAsync(Flows.AuthorizeUrl())).Address.AbsolutePath.Should().Be("/account/login", "the IdP session is over");
    }
}
