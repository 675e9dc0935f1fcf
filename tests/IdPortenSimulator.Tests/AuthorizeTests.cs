using System.Net;
using System.Text;

namespace Educloud.IdPortenSimulator.Tests;

public sealed class AuthorizeTests : SimulatorTestBase
{
    private static Dictionary<string, string> Parameters(Dictionary<string, string?>? changes = null) =>
        SimulatorHost.AuthorizeParameters(SimulatorHost.NewVerifier(), changes: changes);

    private static async Task AssertErrorPageAsync(HttpResponseMessage response)
    {
        response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        response.Headers.Location.Should().BeNull();
        response.Content.Headers.ContentType!.MediaType.Should().Be("text/html");
        (await response.Content.ReadAsStringAsync()).Should().NotContain("Exception").And.NotContain("   at ");
    }

    private static void AssertErrorRedirect(HttpResponseMessage response, string error, bool withState = true)
    {
        response.StatusCode.Should().Be(HttpStatusCode.Redirect);
        response.Headers.Location!.GetLeftPart(UriPartial.Path).Should().Be(SimulatorHost.RedirectUri);
        var back = SimulatorHost.RedirectParameters(response);
        back["error"].Should().Be(error);
        back["error_description"].Should().NotBeNullOrEmpty();
        back["iss"].Should().Be(SimulatorHost.Issuer);
        back.ContainsKey("code").Should().BeFalse();
        if (withState)
        {
            back["state"].Should().Be("state-123");
        }
    }

    [Fact]
    public async Task Authorize_ValidRequest_RendersAccessibleLoginPageWithoutScript()
    {
        using var response = await Host.GetAuthorizeAsync(Parameters(new() { ["acr_values"] = "idporten-loa-high" }));

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        var html = await response.Content.ReadAsStringAsync();
        html.Should().Contain("<html lang=\"en\">").And.Contain("<main>").And.Contain("<h1>")
            .And.Contain("<title>TestID — ID-porten simulator</title>")
            .And.Contain("<form method=\"post\" action=\"/idporten-sim/authorize\">")
            .And.Contain("<button type=\"submit\">Log in</button>")
            .And.Contain("<label for=\"sim_pid_other\">")
            .And.Contain("id=\"acr-high\" value=\"idporten-loa-high\" checked")
            .And.NotContainEquivalentOf("<script");
        foreach (var person in SyntheticPersons.All)
        {
            html.Should().Contain(person.Pid);
        }

        // The request stays on the server: the form carries only the login transaction's id.
        SimulatorHost.HiddenFields(html).Keys.Should().BeEquivalentTo("sim_tx");
        html.Should().Contain("name=\"sim_cancel\"");
        var csp = response.Headers.GetValues("Content-Security-Policy").Single();
        csp.Should().Contain("default-src 'none'").And.Contain("frame-ancestors 'none'").And.Contain("form-action 'self' https://rp.example");
        response.Headers.CacheControl!.NoStore.Should().BeTrue();
        response.Headers.GetValues("X-Content-Type-Options").Single().Should().Be("nosniff");
        response.Headers.GetValues("Referrer-Policy").Single().Should().Be("no-referrer");
    }

    [Fact]
    public async Task Authorize_StateWithMarkup_IsEscapedOnThePage()
    {
        using var response = await Host.GetAuthorizeAsync(Parameters(new() { ["state"] = "\"><script>alert(1)</script>" }));

        var html = await response.Content.ReadAsStringAsync();
        html.Should().NotContain("<script>");
        var back = SimulatorHost.RedirectParameters(await Host.LoginAsync(Parameters(new() { ["state"] = "\"><script>alert(1)</script>" })));
        back["state"].Should().Be("\"><script>alert(1)</script>");
    }

    [Fact]
    public async Task Authorize_UnregisteredRedirectUri_Returns400PageAndNoRedirect()
    {
        using var response = await Host.GetAuthorizeAsync(Parameters(new() { ["redirect_uri"] = "https://attacker.example/callback" }));

        await AssertErrorPageAsync(response);
    }

    [Fact]
    public async Task Authorize_UnknownClient_Returns400PageAndNoRedirect()
    {
        using var response = await Host.GetAuthorizeAsync(Parameters(new() { ["client_id"] = "nobody" }));

        await AssertErrorPageAsync(response);
    }

    [Fact]
    public async Task Authorize_RepeatedRedirectUri_Returns400PageAndNoRedirect()
    {
        var query = "client_id=test-client&redirect_uri=https%3A%2F%2Frp.example%2Fcallback&redirect_uri=https%3A%2F%2Fattacker.example%2F";

        using var response = await Client.GetAsync("/idporten-sim/authorize?" + query);

        await AssertErrorPageAsync(response);
    }

    [Fact]
    public async Task Authorize_PlainPkce_IsRefused()
    {
        var verifier = SimulatorHost.NewVerifier();

        using var response = await Host.GetAuthorizeAsync(SimulatorHost.AuthorizeParameters(verifier, changes: new()
        {
            ["code_challenge"] = verifier,
            ["code_challenge_method"] = "plain",
        }));

        AssertErrorRedirect(response, "invalid_request");
    }

    [Fact]
    public async Task Authorize_WithoutCodeChallengeMethod_IsRefused()
    {
        using var response = await Host.GetAuthorizeAsync(Parameters(new() { ["code_challenge_method"] = null }));

        AssertErrorRedirect(response, "invalid_request");
    }

    [Fact]
    public async Task Authorize_WithoutPkce_IsRefused()
    {
        using var response = await Host.GetAuthorizeAsync(Parameters(new() { ["code_challenge"] = null }));

        AssertErrorRedirect(response, "invalid_request");
    }

    [Fact]
    public async Task Authorize_MissingState_IsRefused()
    {
        using var response = await Host.GetAuthorizeAsync(Parameters(new() { ["state"] = null }));

        AssertErrorRedirect(response, "invalid_request", withState: false);
        SimulatorHost.RedirectParameters(response).ContainsKey("state").Should().BeFalse();
    }

    [Fact]
    public async Task Authorize_MissingNonce_IsRefused()
    {
        using var response = await Host.GetAuthorizeAsync(Parameters(new() { ["nonce"] = null }));

        AssertErrorRedirect(response, "invalid_request");
    }

    [Fact]
    public async Task Authorize_RepeatedParameter_IsRefused()
    {
        var url = Microsoft.AspNetCore.WebUtilities.QueryHelpers.AddQueryString("/idporten-sim/authorize", Parameters()!) + "&nonce=second";

        using var response = await Client.GetAsync(url);

        AssertErrorRedirect(response, "invalid_request");
        SimulatorHost.RedirectParameters(response)["error_description"].Should().Contain("nonce");
    }

    [Fact]
    public async Task Authorize_OversizedParameter_IsRefused()
    {
        using var response = await Host.GetAuthorizeAsync(Parameters(new() { ["nonce"] = new string('n', 4097) }));

        AssertErrorRedirect(response, "invalid_request");
    }

    [Theory]
    [InlineData("response_type", "token", "unsupported_response_type")]
    [InlineData("response_type", null, "invalid_request")]
    [InlineData("scope", "profile", "invalid_scope")]
    [InlineData("acr_values", "Level3", "invalid_request")]
    [InlineData("prompt", "none login", "invalid_request")]
    [InlineData("max_age", "-1", "invalid_request")]
    [InlineData("response_mode", "form_post", "invalid_request")]
    [InlineData("prompt", "none", "login_required")]
    public async Task Authorize_InvalidParameter_RedirectsBackWithError(string name, string? value, string error)
    {
        using var response = await Host.GetAuthorizeAsync(Parameters(new() { [name] = value }));

        AssertErrorRedirect(response, error);
    }

    [Fact]
    public async Task AuthorizePost_WithPidOfWrongLength_RerendersTheFormWith400()
    {
        using var page = await Host.GetAuthorizeAsync(Parameters());
        var form = SimulatorHost.HiddenFields(await page.Content.ReadAsStringAsync());
        form["sim_pid_other"] = "1234567890";
        form["sim_acr"] = "idporten-loa-substantial";

        using var response = await Host.PostFormAsync("/idporten-sim/authorize", form);

        response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        response.Headers.Location.Should().BeNull();
        var html = await response.Content.ReadAsStringAsync();
        html.Should().Contain("role=\"alert\"").And.Contain("11 digits").And.Contain("aria-invalid=\"true\"").And.Contain("value=\"1234567890\"");
    }

    /// <summary>
    /// The form once carried the whole request in hidden fields, each checked again on POST; now it
    /// carries only the transaction, so a redirect_uri or code_challenge_method added by the browser is ignored.
    /// </summary>
    [Fact]
    public async Task AuthorizePost_WithAddedRedirectUriAndPkceMethod_UsesTheOnesFromTheRequest()
    {
        using var page = await Host.GetAuthorizeAsync(Parameters());
        var form = SimulatorHost.HiddenFields(await page.Content.ReadAsStringAsync());
        form["redirect_uri"] = "https://attacker.example/callback";
        form["code_challenge_method"] = "plain";
        form["sim_pid"] = SyntheticPersons.All[0].Pid;
        form["sim_acr"] = "idporten-loa-substantial";

        using var response = await Host.PostFormAsync("/idporten-sim/authorize", form);

        response.StatusCode.Should().Be(HttpStatusCode.Redirect);
        response.Headers.Location!.GetLeftPart(UriPartial.Path).Should().Be(SimulatorHost.RedirectUri);
        SimulatorHost.RedirectParameters(response).Should().ContainKey("code");
    }

    [Fact]
    public async Task AuthorizePost_WithUnknownTransaction_Returns400PageAndNoRedirect()
    {
        using var response = await Host.PostFormAsync("/idporten-sim/authorize", new()
        {
            ["sim_tx"] = "forged",
            ["sim_pid"] = SyntheticPersons.All[0].Pid,
            ["sim_acr"] = "idporten-loa-substantial",
        });

        await AssertErrorPageAsync(response);
    }

    [Fact]
    public async Task AuthorizePost_Twice_LogsInOnce()
    {
        using var page = await Host.GetAuthorizeAsync(Parameters());
        var form = SimulatorHost.HiddenFields(await page.Content.ReadAsStringAsync());
        form["sim_pid"] = SyntheticPersons.All[0].Pid;
        form["sim_acr"] = "idporten-loa-substantial";
        using var first = await Host.PostFormAsync("/idporten-sim/authorize", form);
        first.StatusCode.Should().Be(HttpStatusCode.Redirect);

        using var second = await Host.PostFormAsync("/idporten-sim/authorize", form);

        await AssertErrorPageAsync(second);
    }

    [Fact]
    public async Task AuthorizePost_WithMultipartBody_Returns400()
    {
        using var content = new MultipartFormDataContent { { new StringContent("test-client"), "client_id" } };

        using var response = await Client.PostAsync("/idporten-sim/authorize", content);

        await AssertErrorPageAsync(response);
    }

    [Fact]
    public async Task AuthorizePost_WithHugeBody_Returns4xx()
    {
        using var content = new StringContent("client_id=" + new string('a', 100_000), Encoding.ASCII, "application/x-www-form-urlencoded");

        using var response = await Client.PostAsync("/idporten-sim/authorize", content);

        ((int)response.StatusCode).Should().BeInRange(400, 499);
        response.Headers.Location.Should().BeNull();
    }
}
