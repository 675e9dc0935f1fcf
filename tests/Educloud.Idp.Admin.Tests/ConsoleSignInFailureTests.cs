using System.Net;
using Educloud.Idp.Tests.Infrastructure;

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
    public async Task ConsoleOnAnUnregisteredAddress_ShowsTheSettingsToFix()
    {
        var browser = fixture.Console.NewBrowser();
        browser.AddHost(new Uri(Elsewhere).Host, fixture.Console.Server.CreateHandler());

        var page = await browser.GetAsync(Elsewhere + "/");

        // The console pushes its authorization request (PAR, RFC 9126) and the IdP refuses the
        // unknown redirect_uri there: the person never leaves the console, and must learn why here.
        page.Status.Should().Be(HttpStatusCode.BadGateway, page.Body);
        page.Address.AbsolutePath.Should().Be("/sign-in-failed");
        page.Body.Should().Contain("Signing in through the IdP failed")
            .And.Contain("invalid_request")
            .And.Contain(Elsewhere + "/signin-oidc")
            .And.Contain("RedirectUris")
            .And.Contain("Idp:Authority")
            .And.Contain(ConsoleHost.ClientId)
            .And.NotContain("OpenIdConnectProtocolException")
            .And.NotContain("is not valid for this client application")
            .And.NotContain(ConsoleHost.Secret);
    }

    [Fact]
    public async Task IdpAnswersTheCallbackWithAnError_ConsoleShowsTheSettingsToFix()
    {
        var browser = fixture.Console.NewBrowser();

        var page = await browser.GetAsync(ConsoleHost.Origin + "/signin-oidc?error=invalid_request&error_description="
            + Uri.EscapeDataString("The specified 'redirect_uri' is not valid for this client application."));

        page.Status.Should().Be(HttpStatusCode.BadGateway, page.Body);
        page.Address.AbsolutePath.Should().Be("/sign-in-failed");
        page.Body.Should().Contain("invalid_request")
            .And.Contain(ConsoleHost.Origin + "/signin-oidc")
            .And.Contain("Idp:Authority")
            .And.NotContain("is not valid for this client application");
    }

    [Fact]
    public async Task CallbackWithAForgedErrorCode_ShowsNoneOfIt()
    {
        var browser = fixture.Console.NewBrowser();

        var page = await browser.GetAsync(ConsoleHost.Origin + "/signin-oidc?error=" + Uri.EscapeDataString("<b>call 555</b>"));

        page.Status.Should().Be(HttpStatusCode.BadGateway, page.Body);
        page.Body.Should().Contain("Signing in through the IdP failed").And.NotContain("555");
    }
}
