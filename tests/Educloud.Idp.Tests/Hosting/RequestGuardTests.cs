using System.Net;
using System.Text;
using System.Text.Json;
using Educloud.Idp.Hosting;
using Educloud.Idp.Tests.Infrastructure;

namespace Educloud.Idp.Tests.Hosting;

/// <summary>
/// The malformed requests of issue 8 item 8 that got a 500, one by one (the fuzz test, FuzzTests,
/// finds the rest): each is refused with a 4xx before it reaches code that would throw on it.
/// </summary>
public sealed class RequestGuardTests(IdpFixture fixture) : IClassFixture<IdpFixture>
{
    private const string Form = "application/x-www-form-urlencoded";

    private static readonly string AppBasic = "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes(IdpHost.AppClientId + ":" + IdpHost.AppSecret));

    [Theory]
    [InlineData("/connect/token", "grant_type=authorization_code&code=a%00b&code_verifier=v&redirect_uri=https%3A%2F%2Fapp.test%2Fsignin-oidc")]
    [InlineData("/connect/token", "grant_type=refresh_token&refresh_token=%00")]
    [InlineData("/connect/token", "grant_type=client_credentials&scope=openid%00")]
    [InlineData("/connect/revoke", "token=a%00b")]
    [InlineData("/connect/introspect", "token=a%00b&token_type_hint=access_token")]
    [InlineData("/connect/par", "client_id=test-app%00&response_type=code")]
    [InlineData("/connect/token", "grant_type=refresh_token&refresh_token=x&a%00=1")]
    public async Task NulInAFormValue_AtTheOpenIdConnectEndpoints_IsInvalidRequest(string path, string body)
    {
        var (status, text) = await PostAsync(path, body, Form, AppBasic);

        status.Should().Be(400, text);
        JsonDocument.Parse(text).RootElement.GetProperty("error").GetString().Should().Be("invalid_request");
    }

    [Theory]
    [InlineData("POST", "/federation/idporten/callback", "code=a%00b&state=s&iss=https%3A%2F%2Flocalhost%2Fidporten-sim")]
    [InlineData("GET", "/federation/idporten/callback?code=a%00b&state=s", null)]
    [InlineData("POST", "/federation/idporten/logged-out", "state=%00")]
    [InlineData("GET", "/federation/idporten/frontchannel-logout?iss=https%3A%2F%2Flocalhost%2Fidporten-sim&sid=%00", null)]
    [InlineData("GET", "/account/login?returnUrl=%2F%00", null)]
    [InlineData("GET", "/api/admin/users?q=%00", null)]
    [InlineData("POST", "/account/login", "returnUrl=%2F%09%2Fevil.example")]
    [InlineData("GET", "/account/login?returnUrl=%2F%0D%0ALocation%3A%20https%3A%2F%2Fevil.test%2F", null)]
    public async Task ControlCharacter_AnywhereElse_IsRefusedBeforeTheEndpoint(string method, string target, string? body)
    {
        var (status, text) = method == "GET" ? await GetAsync(target) : await PostAsync(target, body!, Form);

        status.Should().Be(400, text);
        text.Should().StartWith("Bad request: ");
    }

    [Fact]
    public async Task JQueryFormKey_OnARazorPostWithAValidAntiforgeryToken_IsNoError()
    {
        // Without a valid token the post never reaches model binding; with one, "a[" threw in MVC's jQuery key parser.
        var browser = fixture.Idp.NewBrowser();
        var page = await browser.GetAsync(IdpHost.Origin + "/account/login");
        var token = page.Document.QuerySelector("input[name=__RequestVerificationToken]")!.GetAttribute("value")!;

        var answer = await browser.SendAsync(new HttpRequestMessage(HttpMethod.Post, IdpHost.Origin + "/account/login?handler=Password")
        {
            Content = new FormUrlEncodedContent([new("__RequestVerificationToken", token), new("a[", "x"), new("username[", "y"), new("returnUrl", "/")]),
        }, followRedirects: false);

        ((int)answer.Status).Should().BeLessThan(500, answer.Body);
        answer.Body.Should().Contain("password", "the login page answers as for any wrong password");
    }

    [Theory]
    [InlineData("gopher")]
    [InlineData("1")]
    [InlineData("javascript")]
    public async Task ForwardedProto_OtherThanHttpOrHttps_FromATrustedProxy_Is400(string proto)
    {
        // Forwarded headers count only from a configured proxy (ForwardedHeaders:TrustedProxies).
        await using var idp = new IdpHost(new Dictionary<string, string?> { ["ForwardedHeaders:TrustedProxies:0"] = "192.0.2.10" });
        using var client = idp.NewBackchannel();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/account/login");
        request.Headers.Add(IdpHost.PeerHeader, "192.0.2.10");
        request.Headers.TryAddWithoutValidation("X-Forwarded-For", "198.51.100.7");
        request.Headers.TryAddWithoutValidation("X-Forwarded-Proto", proto);

        using var response = await client.SendAsync(request);

        response.StatusCode.Should().Be(HttpStatusCode.BadRequest, await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task ForwardedProto_FromAnUntrustedPeer_IsIgnored()
    {
        using var client = fixture.Idp.NewBackchannel();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/account/login");
        request.Headers.TryAddWithoutValidation("X-Forwarded-Proto", "gopher");

        using var response = await client.SendAsync(request);

        response.StatusCode.Should().Be(HttpStatusCode.OK);
    }

    [Theory]
    [InlineData("localhost:443:443")]
    [InlineData("a.bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb.c")]
    [InlineData("a b")]
    public async Task HostThatIsNoHostName_Is400(string host)
    {
        using var client = fixture.Idp.NewBackchannel();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/connect/authorize") { Content = new StringContent("client_id=test-app", Encoding.UTF8, Form) };
        request.Headers.TryAddWithoutValidation("Host", host);

        using var response = await client.SendAsync(request);

        response.StatusCode.Should().Be(HttpStatusCode.BadRequest, await response.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData("localhost", true)]
    [InlineData("localhost:5001", true)]
    [InlineData("login.educloud.no", true)]
    [InlineData("127.0.0.1:8080", true)]
    [InlineData("[::1]:443", true)]
    [InlineData("xn--bcher-kva.example", true)]
    [InlineData("xn--", false)]
    [InlineData("", false)]
    [InlineData("localhost:443:443", false)]
    [InlineData("localhost:99999", false)]
    [InlineData("h\u00f8st", false)]
    [InlineData("a@b", false)]
    [InlineData("[::1", false)]
    public void IsHostName_AcceptsOnlyWhatAspNetCoreCanRead(string host, bool valid) => RequestGuard.IsHostName(host).Should().Be(valid);

    [Theory]
    [InlineData("/connect/token", "application/x-www-form-urlencoded; charset=utf-7", "grant_type=client_credentials")]
    [InlineData("/connect/introspect", "application/x-www-form-urlencoded, application/json", "token=x")]
    [InlineData("/connect/token", "multipart/form-data; boundary=x", "--x--")]
    [InlineData("/api/admin/users", "application/json; charset=nope", "{}")]
    [InlineData("/api/admin/apps", "application/json; charset=latin1", "{}")]
    public async Task BodyThatCannotBeReadAsItsTypeSays_Is415(string path, string contentType, string body)
    {
        var (status, text) = await PostAsync(path, body, contentType, AppBasic);

        status.Should().Be(415, text);
    }

    [Fact]
    public async Task FormOverTheLimits_Is400()
    {
        var many = string.Join('&', Enumerable.Range(0, 2000).Select(i => $"k{i}=v"));
        var longKey = new string('k', 5000) + "=v";

        (await PostAsync("/connect/token", "grant_type=client_credentials&" + many, Form, AppBasic)).Status.Should().Be(400);
        (await PostAsync("/federation/idporten/callback", longKey, Form)).Status.Should().Be(400);
        (await PostAsync("/account/login", many, Form)).Status.Should().Be(400);
    }

    private async Task<(int Status, string Body)> PostAsync(string path, string body, string contentType, string? authorization = null)
    {
        using var client = fixture.Idp.NewBackchannel();
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new ByteArrayContent(Encoding.ASCII.GetBytes(body)) };
        request.Content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        if (authorization is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", authorization);
        }

        using var response = await client.SendAsync(request);
        return ((int)response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    private async Task<(int Status, string Body)> GetAsync(string target)
    {
        using var client = fixture.Idp.NewBackchannel();
        using var response = await client.GetAsync(target);
        return ((int)response.StatusCode, await response.Content.ReadAsStringAsync());
    }
}
