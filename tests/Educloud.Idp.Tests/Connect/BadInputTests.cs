using System.Net;
using System.Text;
using System.Text.Json;
using Educloud.Idp.Tests.Infrastructure;

namespace Educloud.Idp.Tests.Connect;

/// <summary>
/// Every endpoint of the IdP, fed missing, repeated, oversized and malformed input: a clean refusal
/// (4xx, or for the ID-porten callback the generic login-failed page), never a 5xx, never a stack
/// trace, never an error in the log. The simulator's own endpoints (/idporten-sim) are not ours.
/// </summary>
public sealed class BadInputTests(IdpFixture fixture) : IClassFixture<IdpFixture>
{
    public enum Expect
    {
        /// <summary>4xx and no Location header: refused on the spot, redirected nowhere.</summary>
        ClientError,

        /// <summary>The ID-porten callback's one answer to anything wrong: the generic login-failed page.</summary>
        LoginFailed,

        /// <summary>RFC 7662 2.2 / RFC 7009 2.2: an unusable token is inactive (introspection) or ignored (revocation), with 200.</summary>
        InactiveToken,
    }

    public sealed record Case(HttpMethod Method, string Path, string? Body = null, string ContentType = FormType, string? Authorization = null, Expect Expect = Expect.ClientError);

    private const string FormType = "application/x-www-form-urlencoded";
    private const string JsonType = "application/json";
    private const string Authorize = "/connect/authorize";
    private const string Token = "/connect/token";
    private const string UserInfo = "/connect/userinfo";
    private const string Introspect = "/connect/introspect";
    private const string Revoke = "/connect/revoke";
    private const string Par = "/connect/par";
    private const string EndSession = "/connect/endsession";
    private const string Callback = "/federation/idporten/callback";
    private const string Login = "/account/login";

    private static readonly string Huge = new('A', 100_000);

    private static readonly string AuthorizeQuery =
        $"client_id={IdpHost.AppClientId}&redirect_uri={Uri.EscapeDataString(IdpHost.AppOrigin + "/signin-oidc")}&response_type=code&scope=openid" +
        $"&state=s&nonce=n&code_challenge={Pkce.New().Challenge}&code_challenge_method=S256";

    private static readonly string AppBasic = Basic(IdpHost.AppClientId + ":" + IdpHost.AppSecret);

    private static readonly Dictionary<string, Case> Cases = new()
    {
        ["authorize GET: no parameters"] = new(HttpMethod.Get, Authorize),
        ["authorize GET: client_id twice"] = new(HttpMethod.Get, $"{Authorize}?{AuthorizeQuery}&client_id={IdpHost.AppClientId}"),
        ["authorize GET: state twice"] = new(HttpMethod.Get, $"{Authorize}?{AuthorizeQuery}&state=t"),
        ["authorize GET: prompt=login twice"] = new(HttpMethod.Get, $"{Authorize}?{AuthorizeQuery}&prompt=login&prompt=login"),
        ["authorize GET: 100 KB state"] = new(HttpMethod.Get, $"{Authorize}?{AuthorizeQuery.Replace("state=s", "state=" + Huge, StringComparison.Ordinal)}"),
        ["authorize GET: 100 KB client_id"] = new(HttpMethod.Get, $"{Authorize}?client_id={Huge}&response_type=code"),
        ["authorize GET: non-UTF-8 client_id"] = new(HttpMethod.Get, $"{Authorize}?client_id=%FF%FE&response_type=code"),
        ["authorize GET: non-UTF-8 redirect_uri"] = new(HttpMethod.Get, $"{Authorize}?{AuthorizeQuery}".Replace("redirect_uri=https", "redirect_uri=%FF%FEhttps", StringComparison.Ordinal)),
        ["authorize GET: request object"] = new(HttpMethod.Get, $"{Authorize}?{AuthorizeQuery}&request=eyJhbGciOiJub25lIn0.e30."),
        ["authorize GET: unknown request_uri"] = new(HttpMethod.Get, $"{Authorize}?client_id={IdpHost.AppClientId}&request_uri=urn%3Aietf%3Aparams%3Aoauth%3Arequest_uri%3Anope"),
        ["authorize POST: no parameters"] = new(HttpMethod.Post, Authorize, ""),
        ["authorize POST: client_id twice"] = new(HttpMethod.Post, Authorize, $"{AuthorizeQuery}&client_id={IdpHost.AppClientId}"),
        ["authorize POST: 100 KB state"] = new(HttpMethod.Post, Authorize, AuthorizeQuery.Replace("state=s", "state=" + Huge, StringComparison.Ordinal)),
        ["authorize POST: non-UTF-8 redirect_uri"] = new(HttpMethod.Post, Authorize, AuthorizeQuery.Replace("redirect_uri=https", "redirect_uri=%FF%FEhttps", StringComparison.Ordinal)),
        ["authorize POST: JSON body"] = new(HttpMethod.Post, Authorize, $"{{\"client_id\":\"{IdpHost.AppClientId}\",\"response_type\":\"code\"}}", JsonType),
        ["authorize POST: text/plain body"] = new(HttpMethod.Post, Authorize, AuthorizeQuery, "text/plain"),
        ["authorize POST: broken multipart body"] = new(HttpMethod.Post, Authorize, "garbage", "multipart/form-data; boundary=x"),

        ["token: no parameters"] = new(HttpMethod.Post, Token, "", Authorization: AppBasic),
        ["token: no body"] = new(HttpMethod.Post, Token, Authorization: AppBasic),
        ["token: GET"] = new(HttpMethod.Get, $"{Token}?grant_type=client_credentials", Authorization: AppBasic),
        ["token: grant_type twice"] = new(HttpMethod.Post, Token, "grant_type=authorization_code&grant_type=refresh_token&code=x", Authorization: AppBasic),
        ["token: code twice"] = new(HttpMethod.Post, Token, "grant_type=authorization_code&code=a&code=b&code_verifier=v", Authorization: AppBasic),
        ["token: 100 KB code"] = new(HttpMethod.Post, Token, $"grant_type=authorization_code&code_verifier=v&code={Huge}", Authorization: AppBasic),
        ["token: 100 KB refresh_token"] = new(HttpMethod.Post, Token, $"grant_type=refresh_token&refresh_token={Huge}", Authorization: AppBasic),
        ["token: non-UTF-8 grant_type"] = new(HttpMethod.Post, Token, "grant_type=%FF%FE", Authorization: AppBasic),
        ["token: non-UTF-8 code"] = new(HttpMethod.Post, Token, "grant_type=authorization_code&code=%FF%FE&code_verifier=%FF", Authorization: AppBasic),
        ["token: JSON body"] = new(HttpMethod.Post, Token, "{\"grant_type\":\"client_credentials\"}", JsonType, AppBasic),
        ["token: text/plain body"] = new(HttpMethod.Post, Token, "grant_type=client_credentials", "text/plain", AppBasic),
        ["token: Authorization Basic !!!"] = new(HttpMethod.Post, Token, "grant_type=client_credentials", Authorization: "Basic !!!"),
        ["token: Authorization Basic without colon"] = new(HttpMethod.Post, Token, "grant_type=client_credentials", Authorization: Basic("no-colon")),
        ["token: Authorization Basic non-UTF-8"] = new(HttpMethod.Post, Token, "grant_type=client_credentials", Authorization: "Basic " + Convert.ToBase64String([0xFF, 0xFE, (byte)':', 0xFF])),
        ["token: Authorization Basic 100 KB client_id"] = new(HttpMethod.Post, Token, "grant_type=client_credentials", Authorization: Basic(Huge + ":x")),
        ["token: Authorization Bearer"] = new(HttpMethod.Post, Token, "grant_type=client_credentials", Authorization: "Bearer x"),
        ["token: credentials in header and body"] = new(HttpMethod.Post, Token,
            $"grant_type=client_credentials&client_id={IdpHost.MachineClientId}&client_secret={IdpHost.MachineSecret}",
            Authorization: Basic(IdpHost.MachineClientId + ":" + IdpHost.MachineSecret)),
        ["token: garbage client_assertion"] = new(HttpMethod.Post, Token,
            $"grant_type=client_credentials&client_id={IdpHost.MachineClientId}&client_assertion_type=urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer&client_assertion=a.b.c"),

        ["userinfo GET: no token"] = new(HttpMethod.Get, UserInfo),
        ["userinfo GET: garbage bearer"] = new(HttpMethod.Get, UserInfo, Authorization: "Bearer garbage"),
        ["userinfo GET: unsigned JWT"] = new(HttpMethod.Get, UserInfo, Authorization: "Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0."),
        ["userinfo GET: 100 KB bearer"] = new(HttpMethod.Get, UserInfo, Authorization: "Bearer " + Huge),
        ["userinfo GET: Authorization Basic !!!"] = new(HttpMethod.Get, UserInfo, Authorization: "Basic !!!"),
        ["userinfo GET: access_token twice"] = new(HttpMethod.Get, $"{UserInfo}?access_token=a&access_token=b"),
        ["userinfo POST: no token"] = new(HttpMethod.Post, UserInfo, ""),
        ["userinfo POST: access_token twice"] = new(HttpMethod.Post, UserInfo, "access_token=a&access_token=b"),
        ["userinfo POST: non-UTF-8 access_token"] = new(HttpMethod.Post, UserInfo, "access_token=%FF%FE"),
        ["userinfo POST: JSON body"] = new(HttpMethod.Post, UserInfo, "{\"access_token\":\"x\"}", JsonType, "Bearer x"),

        ["introspect: no client authentication"] = new(HttpMethod.Post, Introspect, "token=x"),
        ["introspect: no token"] = new(HttpMethod.Post, Introspect, "", Authorization: AppBasic),
        ["introspect: token twice"] = new(HttpMethod.Post, Introspect, "token=a&token=b", Authorization: AppBasic),
        ["introspect: wrong secret"] = new(HttpMethod.Post, Introspect, "token=x", Authorization: Basic(IdpHost.AppClientId + ":wrong")),
        ["introspect: Authorization Basic !!!"] = new(HttpMethod.Post, Introspect, "token=x", Authorization: "Basic !!!"),
        ["introspect: Authorization Basic 100 KB client_id"] = new(HttpMethod.Post, Introspect, "token=x", Authorization: Basic(Huge + ":x")),
        ["introspect: JSON body"] = new(HttpMethod.Post, Introspect, "{\"token\":\"x\"}", JsonType, AppBasic),
        ["introspect: text/plain body"] = new(HttpMethod.Post, Introspect, "token=x", "text/plain", AppBasic),
        ["introspect: 100 KB token"] = new(HttpMethod.Post, Introspect, $"token={Huge}", Authorization: AppBasic, Expect: Expect.InactiveToken),
        ["introspect: non-UTF-8 token"] = new(HttpMethod.Post, Introspect, "token=%FF%FE&token_type_hint=%FF", Authorization: AppBasic, Expect: Expect.InactiveToken),

        ["revoke: no client authentication"] = new(HttpMethod.Post, Revoke, "token=x"),
        ["revoke: no token"] = new(HttpMethod.Post, Revoke, "", Authorization: AppBasic),
        ["revoke: GET"] = new(HttpMethod.Get, $"{Revoke}?token=x", Authorization: AppBasic),
        ["revoke: token twice"] = new(HttpMethod.Post, Revoke, "token=a&token=b", Authorization: AppBasic),
        ["revoke: wrong secret"] = new(HttpMethod.Post, Revoke, "token=x", Authorization: Basic(IdpHost.AppClientId + ":wrong")),
        ["revoke: Authorization Basic !!!"] = new(HttpMethod.Post, Revoke, "token=x", Authorization: "Basic !!!"),
        ["revoke: JSON body"] = new(HttpMethod.Post, Revoke, "{\"token\":\"x\"}", JsonType, AppBasic),
        ["revoke: text/plain body"] = new(HttpMethod.Post, Revoke, "token=x", "text/plain", AppBasic),
        ["revoke: 100 KB token"] = new(HttpMethod.Post, Revoke, $"token={Huge}", Authorization: AppBasic, Expect: Expect.InactiveToken),
        ["revoke: non-UTF-8 token"] = new(HttpMethod.Post, Revoke, "token=%FF%FE", Authorization: AppBasic, Expect: Expect.InactiveToken),

        ["par: no parameters"] = new(HttpMethod.Post, Par, "", Authorization: AppBasic),
        ["par: no client authentication"] = new(HttpMethod.Post, Par, AuthorizeQuery),
        ["par: GET"] = new(HttpMethod.Get, $"{Par}?{AuthorizeQuery}", Authorization: AppBasic),
        ["par: client_id twice"] = new(HttpMethod.Post, Par, $"{AuthorizeQuery}&client_id={IdpHost.AppClientId}&client_secret={IdpHost.AppSecret}"),
        ["par: state twice"] = new(HttpMethod.Post, Par, $"{AuthorizeQuery}&state=t", Authorization: AppBasic),
        ["par: 100 KB state"] = new(HttpMethod.Post, Par, AuthorizeQuery.Replace("state=s", "state=" + Huge, StringComparison.Ordinal), Authorization: AppBasic),
        ["par: non-UTF-8 redirect_uri"] = new(HttpMethod.Post, Par, AuthorizeQuery.Replace("redirect_uri=https", "redirect_uri=%FF%FEhttps", StringComparison.Ordinal), Authorization: AppBasic),
        ["par: request_uri inside"] = new(HttpMethod.Post, Par, $"{AuthorizeQuery}&request_uri=urn%3Aietf%3Aparams%3Aoauth%3Arequest_uri%3Ax", Authorization: AppBasic),
        ["par: Authorization Basic !!!"] = new(HttpMethod.Post, Par, AuthorizeQuery, Authorization: "Basic !!!"),
        ["par: JSON body"] = new(HttpMethod.Post, Par, "{\"response_type\":\"code\"}", JsonType, AppBasic),
        ["par: text/plain body"] = new(HttpMethod.Post, Par, AuthorizeQuery, "text/plain", AppBasic),

        ["endsession GET: post_logout_redirect_uri twice"] = new(HttpMethod.Get,
            $"{EndSession}?post_logout_redirect_uri={Uri.EscapeDataString(IdpHost.AppOrigin + "/signout-callback-oidc")}&post_logout_redirect_uri=https%3A%2F%2Fevil.test%2F"),
        ["endsession GET: 100 KB id_token_hint"] = new(HttpMethod.Get, $"{EndSession}?id_token_hint={Huge}"),
        ["endsession GET: non-UTF-8 post_logout_redirect_uri"] = new(HttpMethod.Get, $"{EndSession}?post_logout_redirect_uri=%FF%FE"),
        ["endsession GET: 100 KB post_logout_redirect_uri"] = new(HttpMethod.Get, $"{EndSession}?post_logout_redirect_uri=https%3A%2F%2Fapp.test%2F{Huge}"),
        ["endsession GET: unknown client_id"] = new(HttpMethod.Get,
            $"{EndSession}?client_id=nope&post_logout_redirect_uri={Uri.EscapeDataString(IdpHost.AppOrigin + "/signout-callback-oidc")}"),
        ["endsession POST: no parameters (no antiforgery token)"] = new(HttpMethod.Post, EndSession, ""),
        ["endsession POST: state twice"] = new(HttpMethod.Post, EndSession, "state=a&state=b"),
        ["endsession POST: JSON body"] = new(HttpMethod.Post, EndSession, "{}", JsonType),
        ["endsession POST: text/plain body"] = new(HttpMethod.Post, EndSession, "state=x", "text/plain"),

        ["callback GET: no parameters"] = new(HttpMethod.Get, Callback, Expect: Expect.LoginFailed),
        ["callback GET: garbage state"] = new(HttpMethod.Get, $"{Callback}?state=garbage&code=x&iss=https%3A%2F%2Flocalhost%2Fidporten-sim", Expect: Expect.LoginFailed),
        ["callback GET: state twice"] = new(HttpMethod.Get, $"{Callback}?state=a&state=b&code=x", Expect: Expect.LoginFailed),
        ["callback GET: 100 KB state and code"] = new(HttpMethod.Get, $"{Callback}?state={Huge}&code={Huge}", Expect: Expect.LoginFailed),
        ["callback GET: non-UTF-8 state"] = new(HttpMethod.Get, $"{Callback}?state=%FF%FE&code=%FF", Expect: Expect.LoginFailed),
        ["callback GET: error without a valid state"] = new(HttpMethod.Get, $"{Callback}?error=access_denied&state=x", Expect: Expect.LoginFailed),
        ["callback POST: no parameters"] = new(HttpMethod.Post, Callback, "", Expect: Expect.LoginFailed),
        ["callback POST: JSON body"] = new(HttpMethod.Post, Callback, "{\"state\":\"x\"}", JsonType, Expect: Expect.LoginFailed),
        ["callback POST: text/plain body"] = new(HttpMethod.Post, Callback, "state=x", "text/plain", Expect: Expect.LoginFailed),

        ["login POST: no parameters (no antiforgery token)"] = new(HttpMethod.Post, Login, ""),
        ["login POST: returnUrl twice"] = new(HttpMethod.Post, Login, "returnUrl=%2F&returnUrl=%2Fx"),
        ["login POST: 100 KB returnUrl"] = new(HttpMethod.Post, Login, "returnUrl=%2F" + Huge),
        ["login POST: non-UTF-8 returnUrl"] = new(HttpMethod.Post, Login, "returnUrl=%FF%FE&fresh=%FF"),
        ["login POST: JSON body"] = new(HttpMethod.Post, Login, "{\"returnUrl\":\"/\"}", JsonType),
        ["login POST: text/plain body"] = new(HttpMethod.Post, Login, "returnUrl=%2F", "text/plain"),
    };

    public static TheoryData<string> CaseNames
    {
        get
        {
            var data = new TheoryData<string>();
            foreach (var name in Cases.Keys)
            {
                data.Add(name);
            }

            return data;
        }
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public async Task BadInput_IsRefusedCleanly(string name)
    {
        var bad = Cases[name];
        using var backchannel = fixture.Idp.NewBackchannel();
        using var request = new HttpRequestMessage(bad.Method, bad.Path);
        if (bad.Body is not null)
        {
            request.Content = new ByteArrayContent(Encoding.ASCII.GetBytes(bad.Body));
            request.Content.Headers.TryAddWithoutValidation("Content-Type", bad.ContentType);
        }

        if (bad.Authorization is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", bad.Authorization);
        }

        var logged = fixture.Idp.Logs.Lines.Count;

        using var response = await backchannel.SendAsync(request);

        var status = (int)response.StatusCode;
        var body = await response.Content.ReadAsStringAsync();
        status.Should().BeLessThan(500, string.Join("\n", fixture.Idp.Logs.Lines.Skip(logged)));
        body.Should().NotContain("   at ").And.NotContain("Exception");
        fixture.Idp.Logs.Lines.Skip(logged).Should().NotContain(line => line.StartsWith("Error", StringComparison.Ordinal)
            || line.StartsWith("Critical", StringComparison.Ordinal) || line.Contains("Exception", StringComparison.Ordinal));
        switch (bad.Expect)
        {
            case Expect.ClientError:
                status.Should().BeInRange(400, 499, body);
                response.Headers.Location.Should().BeNull();
                break;
            case Expect.LoginFailed:
                response.StatusCode.Should().Be(HttpStatusCode.Redirect, body);
                response.Headers.Location!.OriginalString.Should().Be("/error?reason=login");
                break;
            case Expect.InactiveToken:
                response.StatusCode.Should().Be(HttpStatusCode.OK, body);
                if (bad.Path == Introspect)
                {
                    JsonDocument.Parse(body).RootElement.GetProperty("active").GetBoolean().Should().BeFalse();
                }

                break;
        }
    }

    [Theory]
    [InlineData("https://evil.test/")]
    [InlineData("//evil.test/")]
    [InlineData("/\\evil.test/")]
    [InlineData("https:evil.test")]
    public async Task LoginWithForeignReturnUrl_EndsOnTheIdp(string returnUrl)
    {
        // The way back after login is only ever a path on this site (no open redirect).
        var browser = fixture.Idp.NewBrowser();
        var login = await browser.GetAsync(IdpHost.Origin + "/account/login?returnUrl=" + Uri.EscapeDataString(returnUrl));

        var page = await Flows.LogInAtIdPortenAsync(browser, login, Flows.NewPid());

        browser.LeftTo.Should().BeNull();
        page.Address.Should().Be(new Uri(IdpHost.Origin + "/"), "a way back that is not a path here becomes the start page");
        page.Status.Should().Be(HttpStatusCode.OK, page.Body);
    }

    private static string Basic(string credentials) => "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes(credentials));
}
