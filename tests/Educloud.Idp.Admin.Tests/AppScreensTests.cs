using System.Net;
using Educloud.Idp.Connect;
using Educloud.Idp.Tests.Infrastructure;

namespace Educloud.Idp.Admin.Tests;

/// <summary>Research apps in the console: admin only; register (secret shown once), rotate, disable with a reason.</summary>
public sealed class AppScreensTests(ConsoleFixture fixture) : IClassFixture<ConsoleFixture>
{
    [Fact]
    public async Task AdminRegistersRotatesAndDisablesAnApp_SecretsShownOnce_ReasonsRequired()
    {
        var (adminPid, _) = await fixture.PersonAsync(AdminRoles.Admin);
        var (admin, _) = await fixture.LogInToConsoleAsync(adminPid);
        var clientId = "study-" + Guid.NewGuid().ToString("N")[..8];

        var form = await admin.GetAsync(ConsoleHost.Origin + "/apps/new");
        form.Status.Should().Be(HttpStatusCode.OK, form.Body);
        var registered = await admin.SubmitAsync(form, "main form[method=post]", new Dictionary<string, string>
        {
            ["Input.ClientId"] = clientId,
            ["Input.DisplayName"] = "A study",
            ["Input.ClientType"] = "confidential",
            ["Input.RedirectUris"] = "https://study.example.org/signin-oidc",
            ["Input.PostLogoutRedirectUris"] = "",
            ["Input.Scopes"] = "openid profile",
            ["Input.Reason"] = "new study (ticket 99)",
        });
        registered.Status.Should().Be(HttpStatusCode.OK, registered.Body);
        var secret = registered.Document.QuerySelector("#client-secret")!.TextContent;
        secret.Should().HaveLength(43);

        var list = await admin.GetAsync(ConsoleHost.Origin + "/apps");
        list.Document.QuerySelectorAll("table#apps a").Select(a => a.TextContent).Should().Contain([clientId, ConsoleHost.ClientId]);

        var rotate = await admin.GetAsync($"{ConsoleHost.Origin}/apps/{clientId}/rotate-secret");
        var rotated = await admin.SubmitAsync(rotate, "main form[method=post]", new Dictionary<string, string> { ["Input.Reason"] = "secret leaked" });
        rotated.Status.Should().Be(HttpStatusCode.OK, rotated.Body);
        rotated.Document.QuerySelector("#client-secret")!.TextContent.Should().NotBe(secret).And.HaveLength(43);

        var disable = await admin.GetAsync($"{ConsoleHost.Origin}/apps/{clientId}/disable");
        disable.Document.QuerySelector(".app-client-id")!.TextContent.Should().Be(clientId);
        var refused = await admin.SubmitAsync(disable, "main form[method=post]", new Dictionary<string, string> { ["Input.Reason"] = "" });
        refused.Status.Should().Be(HttpStatusCode.BadRequest);
        var disabled = await admin.SubmitAsync(disable, "main form[method=post]", new Dictionary<string, string> { ["Input.Reason"] = "study ended" });
        disabled.Status.Should().Be(HttpStatusCode.OK, disabled.Body);

        var details = await admin.GetAsync($"{ConsoleHost.Origin}/apps/{clientId}");
        details.Document.QuerySelector(".app-status")!.TextContent.Should().Be("disabled");
    }

    [Fact]
    public async Task AppFromConfiguration_CannotBeChangedHere_AndSaysWhere()
    {
        var (adminPid, _) = await fixture.PersonAsync(AdminRoles.Admin);
        var (admin, _) = await fixture.LogInToConsoleAsync(adminPid);

        var details = await admin.GetAsync($"{ConsoleHost.Origin}/apps/{IdpHost.AppClientId}");

        details.Status.Should().Be(HttpStatusCode.OK, details.Body);
        details.Body.Should().Contain("comes from configuration");
        details.Document.QuerySelectorAll("a").Should().NotContain(a => a.TextContent.StartsWith("Disable", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Support_GetsA403Page_ForApps()
    {
        var (supportPid, _) = await fixture.PersonAsync(AdminRoles.Support);
        var (support, start) = await fixture.LogInToConsoleAsync(supportPid);
        start.Document.QuerySelectorAll("nav a").Should().NotContain(a => a.TextContent == "Research apps");

        var page = await support.GetAsync(ConsoleHost.Origin + "/apps");

        page.Status.Should().Be(HttpStatusCode.Forbidden, page.Body);
        page.Document.QuerySelector("h1")!.TextContent.Should().Be("This needs the admin role");
    }
}
