using System.Net.Http.Headers;
using System.Text;
using Educloud.Idp.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Educloud.Idp.Tests.Connect;

public sealed class BadInputTests(IdpFixture fixture, ITestOutputHelper output) : IClassFixture<IdpFixture>
{
    static readonly string Big = new('A', 100_000);
    static string Basic(string id, string secret) => Convert.ToBase64String(Encoding.UTF8.GetBytes(id + ":" + secret));

    [Fact]
    public async Task Probe()
    {
        var sb = new StringBuilder();
        using var client = fixture.Idp.NewBackchannel();
        async Task Send(string label, HttpMethod method, string path, string? body = null, string contentType = "application/x-www-form-urlencoded", string? auth = null)
        {
            using var req = new HttpRequestMessage(method, path);
            if (body is not null) { req.Content = new ByteArrayContent(Encoding.Latin1.GetBytes(body)); req.Content.Headers.TryAddWithoutValidation("Content-Type", contentType); }
            if (auth is not null) req.Headers.TryAddWithoutValidation("Authorization", auth);
            using var res = await client.SendAsync(req);
            var text = await res.Content.ReadAsStringAsync();
            var bad = text.Contains("   at ") || text.Contains("Exception");
            sb.AppendLine($"{(int)res.StatusCode} {(bad ? "STACK" : "")} {label} loc={res.Headers.Location?.ToString()[..Math.Min(80, res.Headers.Location.ToString().Length)]} :: {text.Replace("\n", " ")[..Math.Min(200, text.Length)]}");
        }
        var app = $"client_id={IdpHost.AppClientId}&redirect_uri=https%3A%2F%2Fapp.test%2Fsignin-oidc&response_type=code&scope=openid&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256";
        var appAuth = "Basic " + Basic(IdpHost.AppClientId, IdpHost.AppSecret);
        foreach (var m in new[] { HttpMethod.Get, HttpMethod.Post })
        {
            string q(string s) => m == HttpMethod.Get ? "/connect/authorize?" + s : "/connect/authorize";
            string? b(string s) => m == HttpMethod.Post ? s : null;
            await Send($"authz {m} none", m, q(""), b(""));
            await Send($"authz {m} dupclient", m, q(app + "&client_id=x"), b(app + "&client_id=x"));
            await Send($"authz {m} dupstate", m, q(app + "&state=a&state=b"), b(app + "&state=a&state=b"));
            await Send($"authz {m} dupredirect", m, q(app + "&redirect_uri=https%3A%2F%2Fapp.test%2Fsignin-oidc"), b(app + "&redirect_uri=https%3A%2F%2Fapp.test%2Fsignin-oidc"));
            await Send($"authz {m} bigstate", m, q(app + "&state=" + Big), b(app + "&state=" + Big));
            await Send($"authz {m} bigclient", m, q("client_id=" + Big), b("client_id=" + Big));
            await Send($"authz {m} ff", m, q(app + "&state=%FF%FE"), b(app + "&state=%FF%FE"));
            await Send($"authz {m} ffclient", m, q("client_id=%FF%FE&" + app[20..]), b("client_id=%FF%FE&" + app[20..]));
            await Send($"authz {m} rawff", m, q(app + "&state=\xff\xfe"), b(app + "&state=\xff\xfe"));
            await Send($"authz {m} badauth", m, q(app), b(app), auth: "Basic !!!");
        }
        await Send("authz POST json", HttpMethod.Post, "/connect/authorize", "{\"client_id\":\"test-app\"}", "application/json");
        await Send("authz POST text", HttpMethod.Post, "/connect/authorize", app, "text/plain");
        await Send("authz POST multipart", HttpMethod.Post, "/connect/authorize", "--x\r\nContent-Disposition: form-data; name=\"client_id\"\r\n\r\ntest-app\r\n--x--\r\n", "multipart/form-data; boundary=x");
        await Send("authz POST badmultipart", HttpMethod.Post, "/connect/authorize", "garbage", "multipart/form-data; boundary=x");
        await Send("authz POST nocontenttype", HttpMethod.Post, "/connect/authorize", app, "");

        var tok = "/connect/token";
        await Send("token none", HttpMethod.Post, tok, "", auth: appAuth);
        await Send("token nobody", HttpMethod.Post, tok, null, auth: appAuth);
        await Send("token GET", HttpMethod.Get, tok + "?grant_type=client_credentials");
        await Send("token dupgrant", HttpMethod.Post, tok, "grant_type=authorization_code&grant_type=refresh_token&code=x", auth: appAuth);
        await Send("token dupcode", HttpMethod.Post, tok, "grant_type=authorization_code&code=a&code=b&code_verifier=x", auth: appAuth);
        await Send("token dupclient", HttpMethod.Post, tok, $"grant_type=client_credentials&client_id={IdpHost.MachineClientId}&client_id=x&client_secret={IdpHost.MachineSecret}");
        await Send("token bigcode", HttpMethod.Post, tok, "grant_type=authorization_code&code_verifier=x&code=" + Big, auth: appAuth);
        await Send("token bigrefresh", HttpMethod.Post, tok, "grant_type=refresh_token&refresh_token=" + Big, auth: appAuth);
        await Send("token bigclient", HttpMethod.Post, tok, "grant_type=client_credentials&client_secret=x&client_id=" + Big);
        await Send("token ff", HttpMethod.Post, tok, "grant_type=authorization_code&code=%FF%FE&code_verifier=%FF", auth: appAuth);
        await Send("token ffgrant", HttpMethod.Post, tok, "grant_type=%FF%FE", auth: appAuth);
        await Send("token rawff", HttpMethod.Post, tok, "grant_type=authorization_code&code=\xff\xfe", auth: appAuth);
        await Send("token json", HttpMethod.Post, tok, "{\"grant_type\":\"client_credentials\"}", "application/json", appAuth);
        await Send("token text", HttpMethod.Post, tok, "grant_type=client_credentials", "text/plain", appAuth);
        await Send("token badbasic", HttpMethod.Post, tok, "grant_type=client_credentials", auth: "Basic !!!");
        await Send("token basicnocolon", HttpMethod.Post, tok, "grant_type=client_credentials", auth: "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("nocolon")));
        await Send("token basicff", HttpMethod.Post, tok, "grant_type=client_credentials", auth: "Basic " + Convert.ToBase64String(new byte[] { 0xff, 0xfe, (byte)':', 0xff }));
        await Send("token basicpct", HttpMethod.Post, tok, "grant_type=client_credentials", auth: "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("%FF%FE:%ZZ")));
        await Send("token bearer", HttpMethod.Post, tok, "grant_type=client_credentials", auth: "Bearer abc");
        await Send("token basic+body", HttpMethod.Post, tok, $"grant_type=client_credentials&client_id={IdpHost.MachineClientId}&client_secret={IdpHost.MachineSecret}", auth: "Basic " + Basic(IdpHost.MachineClientId, IdpHost.MachineSecret));
        await Send("token bigbasic", HttpMethod.Post, tok, "grant_type=client_credentials", auth: "Basic " + Basic(Big, "x"));
        await Send("token assertion", HttpMethod.Post, tok, $"grant_type=client_credentials&client_id={IdpHost.MachineClientId}&client_assertion_type=urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer&client_assertion=garbage.garbage.garbage");

        foreach (var m in new[] { HttpMethod.Get, HttpMethod.Post })
        {
            await Send($"userinfo {m} none", m, "/connect/userinfo", m == HttpMethod.Post ? "" : null);
            await Send($"userinfo {m} garbage", m, "/connect/userinfo", m == HttpMethod.Post ? "" : null, auth: "Bearer garbage");
            await Send($"userinfo {m} jwtgarbage", m, "/connect/userinfo", m == HttpMethod.Post ? "" : null, auth: "Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.");
            await Send($"userinfo {m} basic", m, "/connect/userinfo", m == HttpMethod.Post ? "" : null, auth: "Basic !!!");
            await Send($"userinfo {m} big", m, "/connect/userinfo", m == HttpMethod.Post ? "" : null, auth: "Bearer " + Big);
            await Send($"userinfo {m} query", m, "/connect/userinfo?access_token=x&access_token=y", m == HttpMethod.Post ? "" : null);
        }
        await Send("userinfo POST dup", HttpMethod.Post, "/connect/userinfo", "access_token=a&access_token=b");
        await Send("userinfo POST json", HttpMethod.Post, "/connect/userinfo", "{}", "application/json", "Bearer x");
        await Send("userinfo POST ff", HttpMethod.Post, "/connect/userinfo", "access_token=%FF%FE");

        foreach (var ep in new[] { "/connect/introspect", "/connect/revoke" })
        {
            await Send($"{ep} noauth", HttpMethod.Post, ep, "token=x");
            await Send($"{ep} none", HttpMethod.Post, ep, "", auth: appAuth);
            await Send($"{ep} GET", HttpMethod.Get, ep + "?token=x", auth: appAuth);
            await Send($"{ep} dup", HttpMethod.Post, ep, "token=a&token=b", auth: appAuth);
            await Send($"{ep} big", HttpMethod.Post, ep, "token=" + Big, auth: appAuth);
            await Send($"{ep} ff", HttpMethod.Post, ep, "token=%FF%FE&token_type_hint=%FF", auth: appAuth);
            await Send($"{ep} json", HttpMethod.Post, ep, "{\"token\":\"x\"}", "application/json", appAuth);
            await Send($"{ep} text", HttpMethod.Post, ep, "token=x", "text/plain", appAuth);
            await Send($"{ep} badbasic", HttpMethod.Post, ep, "token=x", auth: "Basic !!!");
            await Send($"{ep} wrongsecret", HttpMethod.Post, ep, "token=x", auth: "Basic " + Basic(IdpHost.AppClientId, "wrong"));
            await Send($"{ep} public", HttpMethod.Post, ep, $"token=x&client_id={IdpHost.PublicClientId}");
        }

        await Send("par none", HttpMethod.Post, "/connect/par", "", auth: appAuth);
        await Send("par noauth", HttpMethod.Post, "/connect/par", app);
        await Send("par GET", HttpMethod.Get, "/connect/par?" + app, auth: appAuth);
        await Send("par dup", HttpMethod.Post, "/connect/par", app + "&client_id=x", auth: appAuth);
        await Send("par dupstate", HttpMethod.Post, "/connect/par", app + "&state=a&state=b", auth: appAuth);
        await Send("par bigstate", HttpMethod.Post, "/connect/par", app + "&state=" + Big, auth: appAuth);
        await Send("par ff", HttpMethod.Post, "/connect/par", app + "&state=%FF%FE", auth: appAuth);
        await Send("par json", HttpMethod.Post, "/connect/par", "{}", "application/json", appAuth);
        await Send("par text", HttpMethod.Post, "/connect/par", app, "text/plain", appAuth);
        await Send("par badbasic", HttpMethod.Post, "/connect/par", app, auth: "Basic !!!");
        await Send("par requesturi", HttpMethod.Post, "/connect/par", app + "&request_uri=urn%3Aietf%3Aparams%3Aoauth%3Arequest_uri%3Ax", auth: appAuth);
        await Send("authz requesturi garbage", HttpMethod.Get, "/connect/authorize?client_id=test-app&request_uri=urn%3Aietf%3Aparams%3Aoauth%3Arequest_uri%3Agarbage");
        await Send("authz requesturi https", HttpMethod.Get, "/connect/authorize?client_id=test-app&request_uri=https%3A%2F%2Fevil.test%2Fr");
        await Send("authz request obj", HttpMethod.Get, "/connect/authorize?" + app + "&request=eyJhbGciOiJub25lIn0.e30.");

        var es = "/connect/endsession";
        await Send("es dup", HttpMethod.Get, es + "?post_logout_redirect_uri=https%3A%2F%2Fapp.test%2Fsignout-callback-oidc&post_logout_redirect_uri=https%3A%2F%2Fevil.test");
        await Send("es hint garbage", HttpMethod.Get, es + "?id_token_hint=garbage");
        await Send("es hint big", HttpMethod.Get, es + "?id_token_hint=" + Big);
        await Send("es hint ff", HttpMethod.Get, es + "?id_token_hint=%FF%FE");
        await Send("es plru ff", HttpMethod.Get, es + "?post_logout_redirect_uri=%FF%FE");
        await Send("es plru big", HttpMethod.Get, es + "?post_logout_redirect_uri=https%3A%2F%2Fapp.test%2F" + Big);
        await Send("es client unknown", HttpMethod.Get, es + "?client_id=nope&post_logout_redirect_uri=https%3A%2F%2Fapp.test%2Fsignout-callback-oidc");
        await Send("es POST none", HttpMethod.Post, es, "");
        await Send("es POST json", HttpMethod.Post, es, "{}", "application/json");
        await Send("es POST text", HttpMethod.Post, es, "x=y", "text/plain");
        await Send("es POST hint garbage", HttpMethod.Post, es, "id_token_hint=garbage");
        await Send("es POST ff", HttpMethod.Post, es, "post_logout_redirect_uri=%FF%FE");
        await Send("es POST dup", HttpMethod.Post, es, "state=a&state=b");

        var cb = "/federation/idporten/callback";
        await Send("cb none", HttpMethod.Get, cb);
        await Send("cb POST none", HttpMethod.Post, cb, "");
        await Send("cb state garbage", HttpMethod.Get, cb + "?state=garbage&code=x&iss=https%3A%2F%2Flocalhost%2Fidporten-sim");
        await Send("cb dup", HttpMethod.Get, cb + "?state=a&state=b&code=x");
        await Send("cb big", HttpMethod.Get, cb + "?state=" + Big + "&code=" + Big);
        await Send("cb ff", HttpMethod.Get, cb + "?state=%FF%FE&code=%FF");
        await Send("cb error", HttpMethod.Get, cb + "?error=access_denied&state=x");
        await Send("cb POST json", HttpMethod.Post, cb, "{}", "application/json");
        await Send("cb POST text", HttpMethod.Post, cb, "state=x", "text/plain");
        await Send("cb POST ff", HttpMethod.Post, cb, "state=%FF%FE");

        await Send("login POST none", HttpMethod.Post, "/account/login", "");
        await Send("login POST json", HttpMethod.Post, "/account/login", "{}", "application/json");
        await Send("login POST text", HttpMethod.Post, "/account/login", "x", "text/plain");
        await Send("login POST ff", HttpMethod.Post, "/account/login", "returnUrl=%FF%FE&fresh=%FF");
        await Send("login GET big", HttpMethod.Get, "/account/login?returnUrl=" + Big);
        await Send("login GET fresh", HttpMethod.Get, "/account/login?fresh=maybe&fresh=true");
        await Send("login GET ff", HttpMethod.Get, "/account/login?returnUrl=%FF%FE");
        await Send("error GET", HttpMethod.Get, "/error?status=abc&reason=%FF");
        await Send("error GET status", HttpMethod.Get, "/error?status=999999999999");
        output.WriteLine(sb.ToString());
    }
}
