using System.Net;
using AngleSharp.Html.Dom;
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
    public async Task AdminRegistersAnAppWithABackChannelLogoutUri_DetailsShowItAndItsDeliveries_EditIsPrefilled()
    {
        var (adminPid, _) = await fixture.PersonAsync(AdminRoles.Admin);
        var (admin, _) = await fixture.LogInToConsoleAsync(adminPid);
        var clientId = "study-" + Guid.NewGuid().ToString("N")[..8];
        var registered = await admin.SubmitAsync(await admin.GetAsync(ConsoleHost.Origin + "/apps/new"), "main form[method=post]", new Dictionary<string, string>
        {
            ["Input.ClientId"] = clientId,
            ["Input.DisplayName"] = "A study",
            ["Input.ClientType"] = "confidential",
            ["Input.RedirectUris"] = "https://study.example.org/signin-oidc",
            ["Input.Scopes"] = "openid profile offline_access",
            ["Input.BackChannelLogoutUri"] = "https://study.example.org/backchannel-logout",
            ["Input.BackChannelLogoutSessionRequired"] = "true",
            ["Input.Reason"] = "new study (ticket 102)",
        });
        registered.Status.Should().Be(HttpStatusCode.OK, registered.Body);

        var details = await admin.GetAsync($"{ConsoleHost.Origin}/apps/{clientId}");

        details.Document.QuerySelector(".app-backchannel-uri")!.TextContent.Should().Be("https://study.example.org/backchannel-logout");
        details.Document.QuerySelector(".app-logout-deliveries .pending")!.TextContent.Should().Be("0");
        details.Document.QuerySelector(".app-logout-deliveries .failed")!.TextContent.Should().Be("0");
        var edit = await admin.GetAsync($"{ConsoleHost.Origin}/apps/{clientId}/edit");
        ((IHtmlInputElement)edit.Document.QuerySelector("input[name='Input.BackChannelLogoutUri']")!).Value.Should().Be("https://study.example.org/backchannel-logout");
        ((IHtmlInputElement)edit.Document.QuerySelector("input[name='Input.BackChannelLogoutSessionRequired'][type=checkbox]")!).IsChecked.Should().BeTrue();
    }

    [Fact]
    public async Task AdminEditsAnApiRegisteredApp_FormPrefilled_NewRedirectUriSaved()
    {
        var (adminPid, _) = await fixture.PersonAsync(AdminRoles.Admin);
        var (admin, _) = await fixture.LogInToConsoleAsync(adminPid);
        var clientId = "study-" + Guid.NewGuid().ToString("N")[..8];
        var registered = await admin.SubmitAsync(await admin.GetAsync(ConsoleHost.Origin + "/apps/new"), "main form[method=post]", new Dictionary<string, string>
        {
            ["Input.ClientId"] = clientId,
            ["Input.DisplayName"] = "A study",
            ["Input.ClientType"] = "confidential",
            ["Input.RedirectUris"] = "https://study.example.org/signin-oidc",
            ["Input.Scopes"] = "openid profile",
            ["Input.Reason"] = "new study (ticket 100)",
        });
        registered.Status.Should().Be(HttpStatusCode.OK, registered.Body);

        var details = await admin.GetAsync($"{ConsoleHost.Origin}/apps/{clientId}");
        var link = details.Document.QuerySelectorAll("a").Single(a => a.TextContent.StartsWith("Edit", StringComparison.Ordinal));
        var form = await admin.GetAsync(new Uri(details.Address, link.GetAttribute("href")).AbsoluteUri);
        form.Status.Should().Be(HttpStatusCode.OK, form.Body);
        form.Address.AbsolutePath.Should().Be($"/apps/{clientId}/edit");
        form.Document.QuerySelector("main form[method=post] input[name=__RequestVerificationToken]").Should().NotBeNull();
        ((IHtmlTextAreaElement)form.Document.QuerySelector("textarea[name='Input.RedirectUris']")!).Value.Trim().Should().Be("https://study.example.org/signin-oidc");
        ((IHtmlInputElement)form.Document.QuerySelector("input[name='Input.DisplayName']")!).Value.Should().Be("A study");
        ((IHtmlInputElement)form.Document.QuerySelector("input[name='Input.Scopes']")!).Value.Should().Be("openid profile");
        ((IHtmlSelectElement)form.Document.QuerySelector("select[name='Input.ClientType']")!).Value.Should().Be("confidential");

        var noReason = await admin.SubmitAsync(form, "main form[method=post]", new Dictionary<string, string> { ["Input.Reason"] = "" });
        noReason.Status.Should().Be(HttpStatusCode.BadRequest, noReason.Body);
        var refusedByApi = await admin.SubmitAsync(form, "main form[method=post]", new Dictionary<string, string>
        {
            ["Input.RedirectUris"] = "not a uri",
            ["Input.Reason"] = "typo",
        });
        refusedByApi.Status.Should().Be(HttpStatusCode.BadRequest, refusedByApi.Body);
        refusedByApi.Document.QuerySelector(".validation-summary-errors li")!.TextContent.Should().Contain("not acceptable");

        var saved = await admin.SubmitAsync(form, "main form[method=post]", new Dictionary<string, string>
        {
            ["Input.RedirectUris"] = "https://study.example.org/auth/callback",
            ["Input.Reason"] = "the study moved its callback (ticket 101)",
        });

        saved.Status.Should().Be(HttpStatusCode.OK, saved.Body);
        saved.Address.AbsolutePath.Should().Be($"/apps/{clientId}");
        saved.Document.QuerySelector("#result")!.TextContent.Should().Contain("Saved");
        (await admin.GetAsync($"{ConsoleHost.Origin}/apps/{clientId}")).Document.QuerySelector("#result").Should().BeNull("the message is shown once");

        var api = await AdminApi.LogInAsync(fixture.Idp, AdminRoles.Admin);
        var (status, app, _) = await AdminApi.SendAsync(fixture.Idp, api.AccessToken, HttpMethod.Get, $"/api/admin/apps/{clientId}");
        status.Should().Be(200, app.ToString());
        app.GetProperty("redirectUris").EnumerateArray().Select(u => u.GetString()).Should().Equal("https://study.example.org/auth/callback");
        app.GetProperty("clientType").GetString().Should().Be("confidential");
        app.GetProperty("displayName").GetString().Should().Be("A study");
        app.GetProperty("source").GetString().Should().Be("api");
    }

    [Fact]
    public async Task AdminRegistersAnAppWithAnAudience_DetailsShowIt_EditChangesIt()
    {
        var (adminPid, _) = await fixture.PersonAsync(AdminRoles.Admin);
        var (admin, _) = await fixture.LogInToConsoleAsync(adminPid);
        var clientId = "study-" + Guid.NewGuid().ToString("N")[..8];
        var form = await admin.GetAsync(ConsoleHost.Origin + "/apps/new");
        var refused = await admin.SubmitAsync(form, "main form[method=post]", new Dictionary<string, string>
        {
            ["Input.ClientId"] = clientId,
            ["Input.RedirectUris"] = "https://study.example.org/signin-oidc",
            ["Input.Scopes"] = "openid",
            ["Input.Audience"] = "educloud-idp-admin",
            ["Input.Reason"] = "try the admin API's audience",
        });
        refused.Status.Should().Be(HttpStatusCode.BadRequest, refused.Body);
        refused.Document.QuerySelector(".validation-summary-errors li")!.TextContent.Should().Contain("Audience");

        var registered = await admin.SubmitAsync(form, "main form[method=post]", new Dictionary<string, string>
        {
            ["Input.ClientId"] = clientId,
            ["Input.DisplayName"] = "A study with an API",
            ["Input.RedirectUris"] = "https://study.example.org/signin-oidc",
            ["Input.Scopes"] = "openid",
            ["Input.Audience"] = "study-api",
            ["Input.Reason"] = "new study (ticket 102)",
        });
        registered.Status.Should().Be(HttpStatusCode.OK, registered.Body);
        registered.Document.QuerySelector(".app-audience")!.TextContent.Should().Be("study-api");

        var details = await admin.GetAsync($"{ConsoleHost.Origin}/apps/{clientId}");
        details.Document.QuerySelector(".app-audience")!.TextContent.Should().Be("study-api");
        var edit = await admin.GetAsync($"{ConsoleHost.Origin}/apps/{clientId}/edit");
        ((IHtmlInputElement)edit.Document.QuerySelector("input[name='Input.Audience']")!).Value.Should().Be("study-api");

        var saved = await admin.SubmitAsync(edit, "main form[method=post]", new Dictionary<string, string>
        {
            ["Input.Audience"] = "",
            ["Input.Reason"] = "the study dropped its API (ticket 103)",
        });
        saved.Status.Should().Be(HttpStatusCode.OK, saved.Body);
        saved.Document.QuerySelector(".app-audience")!.TextContent.Should().Be(clientId, "no audience: the app itself");
        var configured = await admin.GetAsync($"{ConsoleHost.Origin}/apps/{IdpHost.AppClientId}");
        configured.Document.QuerySelector(".app-audience")!.TextContent.Should().Be(IdpHost.AppClientId);
    }

    [Fact]
    public async Task AppFromConfiguration_HasNoEditLink_AndTheEditPageRefusesGetAndPost()
    {
        var (adminPid, _) = await fixture.PersonAsync(AdminRoles.Admin);
        var (admin, _) = await fixture.LogInToConsoleAsync(adminPid);

        var details = await admin.GetAsync($"{ConsoleHost.Origin}/apps/{IdpHost.AppClientId}");
        details.Document.QuerySelectorAll("a").Should().NotContain(a => a.TextContent.StartsWith("Edit", StringComparison.Ordinal));

        var page = await admin.GetAsync($"{ConsoleHost.Origin}/apps/{IdpHost.AppClientId}/edit");
        page.Status.Should().Be(HttpStatusCode.Conflict, page.Body);
        page.Document.QuerySelector("#not-editable")!.TextContent.Should().Contain("comes from configuration");
        page.Document.QuerySelector("main form[method=post]").Should().BeNull();

        // A direct POST (with a good antiforgery token, from another form) changes nothing either.
        var token = ((IHtmlInputElement)(await admin.GetAsync(ConsoleHost.Origin + "/apps/new")).Document
            .QuerySelector("main form[method=post] input[name=__RequestVerificationToken]")!).Value;
        var posted = await admin.PostFormAsync($"{ConsoleHost.Origin}/apps/{IdpHost.AppClientId}/edit", new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = token,
            ["Input.ClientType"] = "confidential",
            ["Input.RedirectUris"] = "https://evil.example.org/callback",
            ["Input.Scopes"] = "openid profile",
            ["Input.Reason"] = "try",
        });
        posted.Status.Should().Be(HttpStatusCode.Conflict, posted.Body);
        posted.Document.QuerySelector("#not-editable")!.TextContent.Should().Contain("comes from configuration");

        var api = await AdminApi.LogInAsync(fixture.Idp, AdminRoles.Admin);
        var (_, app, _) = await AdminApi.SendAsync(fixture.Idp, api.AccessToken, HttpMethod.Get, $"/api/admin/apps/{IdpHost.AppClientId}");
        app.GetProperty("redirectUris").EnumerateArray().Select(u => u.GetString()).Should().Equal(IdpHost.AppOrigin + "/signin-oidc");
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
        var edit = await support.GetAsync($"{ConsoleHost.Origin}/apps/{IdpHost.AppClientId}/edit");
        edit.Status.Should().Be(HttpStatusCode.Forbidden, edit.Body);
        edit.Document.QuerySelector("h1")!.TextContent.Should().Be("This needs the admin role");
        edit.Document.QuerySelector("main form[method=post]").Should().BeNull();
    }
}
