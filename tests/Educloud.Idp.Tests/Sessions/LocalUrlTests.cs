using Educloud.Idp.Sessions;
using Educloud.Idp.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;

namespace Educloud.Idp.Tests.Sessions;

/// <summary>
/// The one way-back check (issue 8, item 2): known open-redirect bypasses are refused, and what is
/// accepted is emitted so that a browser reads it as a path on this site.
/// </summary>
public sealed class LocalUrlTests
{
    public static TheoryData<string?> Bypasses() => new()
    {
        null,
        "",
        " ",
        "//evil.example",
        "///evil.example",
        "////evil.example",
        "/\\evil.example",
        "/\\/evil.example",
        "\\\\evil.example",
        "\\/evil.example",
        "\\evil.example",
        "https://evil.example",
        "https:evil.example",
        "http:/evil.example",
        "HTTPS://evil.example",
        "javascript:alert(1)",
        "JaVaScRiPt:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "evil.example",
        "evil.example/phish",
        " /evil.example",
        "\t//evil.example",
        // Control characters, which browsers drop or choke on: TAB, CR, LF, NUL, others.
        "/\t/evil.example/phish",
        "/\r/evil.example",
        "/\n/evil.example",
        "/\r\n/evil.example",
        "/\0/evil.example",
        "/\u0001/evil.example",
        "/\u001f/evil.example",
        "/\u007f/evil.example",
        "/\u0085/evil.example",
        "/\u009f/evil.example",
        "/\t\\evil.example",
        "/path\r\nLocation: https://evil.example/",
        "/ok\t",
        // App-relative forms.
        "~",
        "~//evil.example",
        "~/\\evil.example",
        "~\\evil.example",
        "~/\t/evil.example",
        // Unicode lookalikes of the slash where a slash would matter: not a path at all.
        "\uFF0F\uFF0Fevil.example",
        "\u2215\u2215evil.example",
        // Too long.
        "/" + new string('a', LocalUrl.MaxLength),
    };

    [Theory]
    [MemberData(nameof(Bypasses))]
    public void Bypass_IsRefused_AndTheWayBackIsTheStartPage(string? url)
    {
        LocalUrl.IsLocal(url).Should().BeFalse();
        LocalUrl.OrRoot(url).Should().Be("/");
        LocalUrl.ToLocation(url).Should().Be("/");
    }

    public static TheoryData<string> LocalButTricky() => new()
    {
        "/",
        "/connect/authorize?client_id=app&redirect_uri=https%3A%2F%2Fapp.example%2Fcb&state=a%2Fb",
        // Percent-encoded control characters and slashes: paths here, and never decoded.
        "/%09/evil.example/phish",
        "/%0d%0a/evil.example",
        "/%0D%0ALocation:%20https://evil.example/",
        "/%00/evil.example",
        "/%5Cevil.example",
        "/%5C%5Cevil.example",
        "/%2F/evil.example",
        "/%2F%2Fevil.example",
        "/%252F%252Fevil.example",
        // A backslash after the first character.
        "/a\\b",
        "/.\\/evil.example",
        // Unicode lookalikes of / and \, spaces that are not control characters.
        "/\uFF0F/evil.example",
        "/\uFF0Fevil.example",
        "/\u2215evil.example",
        "/\u2044evil.example",
        "/\uFE68evil.example",
        "/\uFF3Cevil.example",
        "/\u200B/evil.example",
        "/\u00A0/evil.example",
        "/\u2028/evil.example",
        "/\u3002evil.example",
        "/\uD83D\uDE00/evil.example",
        "/\uD800/evil.example",
        "/ /evil.example",
        "/" + new string('a', LocalUrl.MaxLength - 1),
    };

    [Theory]
    [MemberData(nameof(LocalButTricky))]
    public void LocalUrl_IsEmittedAsPrintableAscii_ThatABrowserReadsAsAPathHere(string url)
    {
        LocalUrl.IsLocal(url).Should().BeTrue();
        var location = LocalUrl.ToLocation(url);

        location.Should().MatchRegex("^/[^/\\\\]|^/$");
        location.All(c => c is > ' ' and < '\u007f' and not '\\').Should().BeTrue(location);
        BrowserUrlModel.StaysOnSite(location).Should().BeTrue(location);
        new Uri(new Uri(IdpHost.Origin + "/account/code"), location).Host.Should().Be("localhost");
        if (!url.Contains('%', StringComparison.Ordinal) && !url.Contains('\uD800', StringComparison.Ordinal))
        {
            // Encoded once, never decoded: exactly the checked path.
            Uri.UnescapeDataString(location).Should().Be(url);
        }
    }

    [Fact]
    public void EveryCharacter_AroundTheSlashes_NeverLeavesTheSite()
    {
        // Whatever one character is put where a browser would look for a second slash.
        var patterns = new[] { "/{0}/evil.example", "{0}//evil.example", "/{0}\\evil.example", "~/{0}/evil.example", "{0}/evil.example", "/{0}{0}evil.example" };
        for (var c = 0; c <= char.MaxValue; c++)
        {
            foreach (var pattern in patterns)
            {
                var url = string.Format(System.Globalization.CultureInfo.InvariantCulture, pattern, (char)c);
                var location = LocalUrl.ToLocation(url);
                if (!BrowserUrlModel.StaysOnSite(location) || !location.All(ch => ch is > ' ' and < '\u007f'))
                {
                    Assert.Fail($"U+{c:X4} in '{pattern}' gives Location '{location}'");
                }
            }
        }
    }

    [Fact]
    public void AppRelativeUrl_IsResolvedAgainstThePathBase_LikeLocalRedirect()
    {
        LocalUrl.OrRoot("~/account/code").Should().Be("/account/code");
        LocalUrl.OrRoot("~/").Should().Be("/");
        LocalUrl.OrRoot("~/account/code", new PathString("/idp")).Should().Be("/idp/account/code");
        LocalUrl.OrRoot("//evil.example", new PathString("/idp")).Should().Be("/idp/");
    }

    private static IEnumerable<string?> Rows(IEnumerable<object?[]> data) => data.Select(row => (string?)row[0]);

    [Fact]
    public void TheRule_IsTheFrameworks()
    {
        // Whatever the framework accepts within the length cap, and nothing else.
        foreach (var url in Rows(Bypasses()).Concat(Rows(LocalButTricky())))
        {
            LocalUrl.IsLocal(url).Should().Be(
                url is { Length: <= LocalUrl.MaxLength } && Microsoft.AspNetCore.Http.HttpResults.RedirectHttpResult.IsLocalUrl(url), url);
        }
    }
}
