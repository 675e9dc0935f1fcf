using System.Net;
using Educloud.Idp.Federation;
using Educloud.Idp.Tests.Infrastructure;
using Microsoft.AspNetCore.WebUtilities;

namespace Educloud.Idp.Tests.Federation;

/// <summary>
/// A login that ends at or after ID-porten without a session goes back to the research app that
/// asked for it as an OpenID Connect error response at its redirect URI, with its state and the
/// IdP's iss (OIDC Core 3.1.2.6, RFC 9207); a login started on the IdP's own pages gets the page.
/// ID-porten's error responses come from the simulator as ID-porten sends them (error, the state it
/// got, iss): its Cancel button, or its ErrorInsteadOfLogin fault for the other errors.
/// </summary>
public sealed class AppErrorResponseTests : IDisposable
{
    private const string AppRedirect = IdpHost.AppOrigin + "/signin-oidc";
    private readonly IdpHost idp = new();

    public void Dispose() => idp.Dispose();

    [Theory]
    [InlineData("access_denied", "access_denied")]
    [InlineData("login_required", "login_required")]
    [InlineData("temporarily_unavailable", "temporarily_unavailable")]
    [InlineData("server_error", "server_error")]
    [InlineData("invalid_request", "server_error")]
    [InlineData("something_new", "server_error")]
    public async Task ErrorFromIdPortenForAnApp_GoesToTheAppWithStateAndIss(string upstreamError, string expected)
    {
        var browser = idp.NewBrowser();
        var url = Flows.AuthorizeUrl();

        await AnswerAtIdPortenAsync(browser, url, upstreamError);

        browser.LeftTo!.GetLeftPart(UriPartial.Path).Should().Be(AppRedirect);
        var response = Flows.RedirectParameters(browser);
        response["error"].Should().Be(expected);
        response["state"].Should().Be(QueryOf(url)["state"]);
        response["iss"].Should().Be(IdpHost.Origin + "/", "RFC 9207: error responses carry iss too");
        response.Should().NotContainKey("code");
    }

    [Fact]
    public async Task CancelAtIdPortenFromTheIdPsOwnLoginPage_ShowsTheLoginFailedPage()
    {
        var browser = idp.NewBrowser();

        var page = await AnswerAtIdPortenAsync(browser, IdpHost.Origin + "/account/login", "access_denied");

        browser.LeftTo.Should().BeNull("there is no app to go back to");
        page.Address.PathAndQuery.Should().Be("/error?reason=login");
    }

    [Fact]
    public async Task IdTokenRefusedAfterIdPortenForAnApp_ServerErrorAtTheApp()
    {
        idp.Faults.WrongIssuerInIdToken = true;
        var browser = idp.NewBrowser();
        var url = Flows.AuthorizeUrl();

        var simulator = await browser.SubmitAsync(await browser.GetAsync(url));
        await browser.SubmitAsync(simulator, values: new Dictionary<string, string> { ["sim_pid"] = Flows.NewPid(), ["sim_acr"] = Flows.Substantial });

        var response = Flows.RedirectParameters(browser);
        response["error"].Should().Be("server_error");
        response["state"].Should().Be(QueryOf(url)["state"]);
        response.Should().NotContainKey("code");
    }

    [Fact]
    public async Task ErrorTokenMovedToAnotherRequest_IsIgnored()
    {
        var browser = idp.NewBrowser();
        var callback = await AnswerAtIdPortenAsync(browser, Flows.AuthorizeUrl(), "access_denied", follow: false);
        var wayBack = new Uri(new Uri(IdpHost.Origin), callback.Response.Headers.Location!);
        wayBack.AbsolutePath.Should().Be("/connect/authorize");
        var token = QueryHelpers.ParseQuery(wayBack.Query)[AppErrorReturn.Parameter].ToString();
        token.Should().NotBeEmpty();
        var other = idp.NewBrowser();

        // The same token on a request with another state: not this request's refusal, the login goes on.
        var page = await other.GetAsync(Flows.AuthorizeUrl(extra: new Dictionary<string, string?> { [AppErrorReturn.Parameter] = token }));

        other.LeftTo.Should().BeNull();
        page.Address.AbsolutePath.Should().Be("/account/login");
        Uri.UnescapeDataString(page.Address.Query).Should().NotContain(AppErrorReturn.Parameter, "the ignored token is not carried into the login");
    }

    [Fact]
    public async Task PromptNoneWithASession_IsAnsweredWithACodeAtOnce()
    {
        var browser = idp.NewBrowser();
        await Flows.LogInAtIdPortenAsync(browser, await browser.GetAsync(IdpHost.Origin + "/account/login"), Flows.NewPid());
        var url = Flows.AuthorizeUrl(extra: new Dictionary<string, string?> { ["prompt"] = "none" });

        var page = await browser.GetAsync(url);

        page.Address.AbsolutePath.Should().Be("/connect/authorize", "the request is answered at once, no page is shown");
        Flows.RedirectParameters(browser).Should().ContainKey("code");
    }

    [Fact]
    public async Task PromptNoneWithoutASession_LoginRequiredAtTheApp_WithoutGoingToIdPorten()
    {
        var browser = idp.NewBrowser();
        var url = Flows.AuthorizeUrl(extra: new Dictionary<string, string?> { ["prompt"] = "none" });

        var page = await browser.GetAsync(url);

        page.Address.AbsolutePath.Should().Be("/connect/authorize", "answered at once: neither the login page nor ID-porten");
        idp.UpstreamRequests.Should().BeEmpty("ID-porten is not asked");
        Flows.RedirectParameters(browser)["error"].Should().Be("login_required");
    }

    /// <summary>
    /// From <paramref name="start"/> to ID-porten's page, then back as ID-porten answers with
    /// <paramref name="error"/>: access_denied is its Cancel button; other errors are made by the
    /// simulator's fault hook (it knows the state the IdP pushed, which is no longer in the page).
    /// </summary>
    private async Task<BrowserPage> AnswerAtIdPortenAsync(TestBrowser browser, string start, string error, bool follow = true)
    {
        var simulator = await browser.SubmitAsync(await browser.GetAsync(start));
        simulator.Address.AbsolutePath.Should().Be("/idporten-sim/authorize", simulator.Body);
        var cancel = error == "access_denied";
        if (!cancel)
        {
            idp.Faults.ErrorInsteadOfLogin = error;
        }

        var fields = new Dictionary<string, string>
        {
            ["sim_tx"] = simulator.Document.QuerySelector("input[name=sim_tx]")!.GetAttribute("value")!,
            ["sim_pid"] = Flows.NewPid(),
            ["sim_acr"] = Flows.Substantial,
        };
        if (cancel)
        {
            fields["sim_cancel"] = "1";
        }

        var answer = await browser.SendAsync(new HttpRequestMessage(HttpMethod.Post, simulator.Address) { Content = new FormUrlEncodedContent(fields) }, followRedirects: false);
        var back = new Uri(simulator.Address, answer.Response.Headers.Location!);
        var sent = QueryHelpers.ParseQuery(back.Query);
        sent["error"].ToString().Should().Be(error, "ID-porten's answer");
        sent.Should().ContainKey("state").And.ContainKey("iss");
        return await browser.SendAsync(new HttpRequestMessage(HttpMethod.Get, back), follow);
    }

    private static Dictionary<string, string> QueryOf(string url) =>
        QueryHelpers.ParseQuery(new Uri(url).Query).ToDictionary(p => p.Key, p => p.Value.ToString());
}
