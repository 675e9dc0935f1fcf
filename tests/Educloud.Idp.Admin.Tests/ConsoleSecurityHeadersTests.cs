namespace Educloud.Idp.Admin.Tests;

/// <summary>The console sends the security headers the IdP sends (one shared middleware, src/Shared) plus its own.</summary>
public sealed class ConsoleSecurityHeadersTests(ConsoleFixture fixture) : IClassFixture<ConsoleFixture>
{
    [Fact]
    public async Task AnyPage_SendsTheSharedHeaders_AndTheConsolesOwn()
    {
        var browser = fixture.Console.NewBrowser();

        var headers = (await browser.GetAsync(ConsoleHost.Origin + "/signed-out")).Response.Headers;

        headers.GetValues("X-Content-Type-Options").Should().Equal("nosniff");
        headers.GetValues("Referrer-Policy").Should().Equal("no-referrer");
        headers.GetValues("Cross-Origin-Opener-Policy").Should().Equal("same-origin");
        headers.GetValues("Permissions-Policy").Should().Equal("camera=(), microphone=(), geolocation=()");
        headers.GetValues("X-Frame-Options").Should().Equal("DENY");
        headers.CacheControl!.NoStore.Should().BeTrue();
        headers.GetValues("Content-Security-Policy").Single().Should().Contain("frame-ancestors 'none'");
    }
}
