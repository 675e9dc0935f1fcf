using Educloud.Idp.EndToEnd.Infrastructure;

namespace Educloud.Idp.EndToEnd;

public sealed class SecurityHeadersTests(EndToEndFixture fixture, ITestOutputHelper output) : EndToEndTest(fixture, output)
{
    // Values that do not leak the login page's URL (with its authorization parameters) to other sites.
    private static readonly string[] SafeReferrerPolicies =
        ["no-referrer", "same-origin", "strict-origin", "strict-origin-when-cross-origin"];

    [Fact]
    public async Task LoginPage_SendsSecurityHeaders()
    {
        var page = await NewPageAsync();

        var response = await page.GotoAsync(Idp.Url("/account/login").AbsoluteUri);

        response.Should().NotBeNull();
        response!.Status.Should().Be(200);
        var headers = await response.AllHeadersAsync();
        headers.Should().ContainKey("content-security-policy");
        headers["content-security-policy"].Split(';', StringSplitOptions.TrimEntries)
            .Should().Contain("frame-ancestors 'none'", "the login page must never be framed (clickjacking)");
        headers.Should().ContainKey("x-content-type-options").WhoseValue.Should().Be("nosniff");
        headers.Should().ContainKey("referrer-policy").WhoseValue.Should().BeOneOf(SafeReferrerPolicies);
    }
}
