using System.Net;
using Educloud.Idp.Tests.Infrastructure;
using Microsoft.AspNetCore.WebUtilities;

namespace Educloud.Idp.Admin.Tests;

/// <summary>
/// Issue 9: a console whose redirect URI the IdP does not know (opened on another address than the
/// one registered as support-console's RedirectUris) must tell the person which setting to fix, on
/// whichever side they end up, never answer with an unhandled exception.
/// </summary>
public sealed class ConsoleSignInFailureTests(ConsoleFixture fixture) : IClassFixture<ConsoleFixture>
{
    private const string Elsewhere = "https://console-elsewhere.test";

    [Fact]
    public async Task ConsoleOnAnUnregisteredAddress_IdpPageNamesTheRedirectUri()
    {
        var browser = fixture.Console.NewBrowser();
        browser.AddHost(new Uri(Elsewhere).Host, fixture.Console.Server.CreateHandler());

        var page = await browser.GetAsync(Elsewhere + "/");

        // OpenIddict never redirects to an unregistered redirect_uri (RFC 6749 3.1.2.4): the person
        // stays on the IdP's error page, which names the parameter.
        page.Address.GetLeftPart(UriPartial.Authority).Should().Be(IdpHost.Origin, page.Body);
        page.Status.Should().Be(HttpStatusCode.BadRequest, page.Body);
        page.Body.Should().Contain("redirect_uri");
    }

    [Fact]
    public async Task IdpAnswersTheCallbackWithAnError_ConsoleShowsTheSettingsToFix()
    {
        var browser = fixture.Console.NewBrowser();
        var challenge = await browser.SendAsync(new HttpRequestMessage(HttpMethod.Get, ConsoleHost.Origin + "/"), followRedirects: false);
        var authorize = challenge.Response.Headers.Location ?? throw new InvalidOperationException("No challenge: " + challenge.Body);
        var state = QueryHelpers.ParseQuery(authorize.Query)["state"].ToString();

        var page = await browser.GetAsync(ConsoleHost.Origin + "/signin-oidc?error=invalid_request&error_description="
            + Uri.EscapeDataString("The specified 'redirect_uri' is not valid for this client application.") + "&state=" + Uri.EscapeDataString(state));

        page.Status.Should().Be(HttpStatusCode.BadGateway, page.Body);
        page.Address.AbsolutePath.Should().Be("/sign-in-failed");
        page.Body.Should().Contain("invalid_request")
            .And.Contain(ConsoleHost.Origin + "/signin-oidc")
            .And.Contain("RedirectUris")
            .And.Contain("Idp:Authority")
            .And.Contain(ConsoleHost.ClientId)
            .And.NotContain("OpenIdConnectProtocolException")
            .And.NotContain("error_description")
            .And.NotContain(ConsoleHost.Secret);
    }

    [Fact]
    public async Task CallbackWithoutAState_ConsoleShowsTheSamePage()
    {
        var browser = fixture.Console.NewBrowser();

        var page = await browser.GetAsync(ConsoleHost.Origin + "/signin-oidc?error=invalid_request");

        page.Status.Should().Be(HttpStatusCode.BadGateway, page.Body);
        page.Body.Should().Contain("Signing in through the IdP failed");
    }
}
