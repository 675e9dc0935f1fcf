using Educloud.Idp.Connect;
using Educloud.Idp.Tests.Infrastructure;

namespace Educloud.Idp.Admin.Tests;

/// <summary>The console's own way back after login (issue 8, item 2): the page first asked for, only if it is a path here.</summary>
public sealed class ConsoleReturnUrlTests(ConsoleFixture fixture) : IClassFixture<ConsoleFixture>
{
    [Theory]
    [InlineData("//evil.example/phish")]
    [InlineData("/%2F/evil.example/phish")]
    public async Task LinkToATrickyPath_AfterACompleteLogin_StaysOnTheConsole(string path)
    {
        var (pid, _) = await fixture.PersonAsync(AdminRoles.Support);

        var (browser, page) = await fixture.LogInToConsoleAsync(pid, path);

        browser.LeftTo.Should().BeNull("the console must not send the person to another site after login");
        page.Address.Host.Should().Be(new Uri(ConsoleHost.Origin).Host, page.Body);
    }
}
