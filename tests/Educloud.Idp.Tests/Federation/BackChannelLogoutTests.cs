using System.Net;
using System.Security.Cryptography;
using System.Text.Json;
using Educloud.Idp.Data;
using Educloud.Idp.Tests.Infrastructure;
using Educloud.IdPortenSimulator;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Educloud.Idp.Tests.Federation;

/// <summary>
/// Back-channel logout from ID-porten (OpenID Connect Back-Channel Logout 1.0; Digdir's test 7,
/// "SLO frå anna teneste", without a browser): a logout_token signed with ID-porten's key ends the
/// IdP sessions of its sid; every token that section 2.6 says to refuse gets 400 and ends nothing.
/// The tokens are made here with the simulator's own signing key (the one in its JWKS).
/// </summary>
public sealed class BackChannelLogoutTests(IdpFixture fixture) : IClassFixture<IdpFixture>
{
    private const string Path = "/federation/idporten/backchannel-logout";
    private const string Issuer = IdpHost.Origin + "/idporten-sim";
    private const string ClientId = "educloud-idp";
    private const string Event = "http://schemas.openid.net/event/backchannel-logout";

    private IdpHost Idp => fixture.Idp;

    [Fact]
    public async Task ValidLogoutToken_EndsTheSessionsOfItsSid_AndAnswers200NoStore()
    {
        var (browser, sid) = await LoggedInAsync();

        using var response = await PostAsync(Token(sid));

        response.StatusCode.Should().Be(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        response.Headers.CacheControl!.NoStore.Should().BeTrue();
        (await browser.GetAsync(Flows.AuthorizeUrl())).Address.AbsolutePath.Should().Be("/account/login", "the session ID-porten's sid named is over");
        (await OpenSessionsAsync(sid)).Should().Be(0);
    }

    [Theory]
    [InlineData("")]
    [InlineData("/")]
    public async Task IssuerWithOrWithoutTrailingSlash_IsTheSameIssuer(string suffix)
    {
        var (_, sid) = await LoggedInAsync();

        using var response = await PostAsync(Token(sid, c => c["iss"] = Issuer + suffix));

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        (await OpenSessionsAsync(sid)).Should().Be(0);
    }

    [Fact]
    public async Task FrontChannelLogout_WithATrailingSlashOnTheIssuer_EndsTheSessionToo()
    {
        var (_, sid) = await LoggedInAsync();
        using var frame = Idp.NewBackchannel();

        using var response = await frame.GetAsync(QueryHelpers.AddQueryString("/federation/idporten/frontchannel-logout",
            new Dictionary<string, string?> { ["iss"] = Issuer + "/", ["sid"] = sid }));

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        (await OpenSessionsAsync(sid)).Should().Be(0);
    }

    public static TheoryData<string> InvalidVariants() =>
    [
        "wrong-issuer", "issuer-with-path", "wrong-audience", "no-events", "other-event", "events-not-object", "no-sid",
        "nonce", "no-iat", "old-iat", "future-iat", "expired", "no-jti", "typ-at+jwt", "other-key", "alg-none", "hs256",
    ];

    [Theory]
    [MemberData(nameof(InvalidVariants))]
    public async Task InvalidLogoutToken_Is400_AndEndsNothing(string variant)
    {
        var (browser, sid) = await LoggedInAsync();

        using var response = await PostAsync(Variant(variant, sid));

        response.StatusCode.Should().Be(HttpStatusCode.BadRequest, variant);
        response.Headers.CacheControl!.NoStore.Should().BeTrue();
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("error").GetString().Should().Be("invalid_request");
        (await OpenSessionsAsync(sid)).Should().Be(1, variant);
        await browser.GetAsync(Flows.AuthorizeUrl());
        Flows.RedirectParameters(browser).Should().ContainKey("code", "the session is still there");
    }

    [Fact]
    public async Task SameJtiTwice_SecondIs400()
    {
        var (_, sid) = await LoggedInAsync();
        var token = Token(sid);

        using var first = await PostAsync(token);
        using var again = await PostAsync(token);

        first.StatusCode.Should().Be(HttpStatusCode.OK);
        again.StatusCode.Should().Be(HttpStatusCode.BadRequest, "a jti is used once");
    }

    [Theory]
    [InlineData("")]
    [InlineData("logout_token=a&logout_token=b")]
    [InlineData("logout_token=not.a.jwt")]
    public async Task MalformedRequest_Is400(string form)
    {
        using var backchannel = Idp.NewBackchannel();

        using var response = await backchannel.PostAsync(Path, new StringContent(form, System.Text.Encoding.UTF8, "application/x-www-form-urlencoded"));

        response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task JsonBody_Is400()
    {
        using var backchannel = Idp.NewBackchannel();

        using var response = await backchannel.PostAsync(Path, new StringContent("{\"logout_token\":\"x\"}", System.Text.Encoding.UTF8, "application/json"));

        response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task IdPortensKeysUnreachable_Is503_NotA500()
    {
        using var idp = new IdpHost { Outage = UpstreamOutage.Refused };
        using var backchannel = idp.NewBackchannel();

        using var response = await backchannel.PostAsync(Path, new FormUrlEncodedContent(new Dictionary<string, string> { ["logout_token"] = Token("any-sid") }));

        response.StatusCode.Should().Be(HttpStatusCode.ServiceUnavailable, "nothing can be checked without ID-porten's keys; ID-porten hears it was not accepted");
        response.Headers.CacheControl!.NoStore.Should().BeTrue();
    }

    private string Variant(string variant, string sid) => variant switch
    {
        "wrong-issuer" => Token(sid, c => c["iss"] = "https://evil.test/idporten-sim"),
        "issuer-with-path" => Token(sid, c => c["iss"] = Issuer + "/other"),
        "wrong-audience" => Token(sid, c => c["aud"] = "another-client"),
        "no-events" => Token(sid, c => c.Remove("events")),
        "other-event" => Token(sid, c => c["events"] = new Dictionary<string, object> { ["http://schemas.openid.net/event/other"] = new Dictionary<string, object>() }),
        "events-not-object" => Token(sid, c => c["events"] = Event),
        "no-sid" => Token(sid, c => c.Remove("sid")),
        "nonce" => Token(sid, c => c["nonce"] = "n-0S6_WzA2Mj"),
        "no-iat" => Token(sid, c => c.Remove("iat")),
        "old-iat" => Token(sid, c => c["iat"] = Now().AddMinutes(-6).ToUnixTimeSeconds()),
        "future-iat" => Token(sid, c => c["iat"] = Now().AddMinutes(3).ToUnixTimeSeconds()),
        "expired" => Token(sid, c => c["exp"] = Now().AddMinutes(-2).ToUnixTimeSeconds()),
        "no-jti" => Token(sid, c => c.Remove("jti")),
        "typ-at+jwt" => Token(sid, typ: "at+jwt"),
        "other-key" => Token(sid, key: new SigningCredentials(new RsaSecurityKey(RSA.Create(2048)) { KeyId = SimulatorKey().Key.KeyId }, SecurityAlgorithms.RsaSha256)),
        "alg-none" => Unsigned(Token(sid)),
        "hs256" => Token(sid, key: new SigningCredentials(new SymmetricSecurityKey(RandomNumberGenerator.GetBytes(32)) { KeyId = SimulatorKey().Key.KeyId }, SecurityAlgorithms.HmacSha256)),
        _ => throw new ArgumentOutOfRangeException(nameof(variant)),
    };

    private DateTimeOffset Now() => Idp.Clock.GetUtcNow();

    /// <summary>A logout token as ID-porten makes one (docs.digdir.no, oidc_func_backchannel_logout), changed by <paramref name="change"/>.</summary>
    private string Token(string sid, Action<Dictionary<string, object>>? change = null, SigningCredentials? key = null, string typ = "logout+jwt")
    {
        var now = Now();
        var claims = new Dictionary<string, object>
        {
            ["iss"] = Issuer,
            ["aud"] = ClientId,
            ["sub"] = "pairwise-" + sid,
            ["iat"] = now.ToUnixTimeSeconds(),
            ["exp"] = now.AddMinutes(2).ToUnixTimeSeconds(),
            ["jti"] = Guid.NewGuid().ToString("N"),
            ["events"] = new Dictionary<string, object> { [Event] = new Dictionary<string, object>() },
            ["sid"] = sid,
        };
        change?.Invoke(claims);
        return new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false }.CreateToken(new SecurityTokenDescriptor
        {
            Claims = claims,
            SigningCredentials = key ?? SimulatorKey(),
            TokenType = typ,
        });
    }

    /// <summary>The same claims with alg none and no signature.</summary>
    private static string Unsigned(string token)
    {
        var parts = token.Split('.');
        return Base64UrlEncoder.Encode("{\"alg\":\"none\",\"typ\":\"logout+jwt\"}") + "." + parts[1] + ".";
    }

    /// <summary>The simulator's signing key: internal to it (no change to the simulator for a test), so found by name.</summary>
    private SigningCredentials SimulatorKey()
    {
        var type = typeof(IdPortenSimulatorFaults).Assembly.GetType("Educloud.IdPortenSimulator.SimulatorSigningKey", throwOnError: true)!;
        var key = Idp.Services.GetRequiredService(type);
        return (SigningCredentials)type.GetProperty("Credentials")!.GetValue(key)!;
    }

    private async Task<HttpResponseMessage> PostAsync(string logoutToken)
    {
        using var backchannel = Idp.NewBackchannel();
        return await backchannel.PostAsync(Path, new FormUrlEncodedContent(new Dictionary<string, string> { ["logout_token"] = logoutToken }));
    }

    private async Task<(TestBrowser Browser, string Sid)> LoggedInAsync()
    {
        var pid = Flows.NewPid();
        var browser = await fixture.LoggedInBrowserAsync(pid);
        var userId = await AdminApi.UserIdAsync(Idp, pid);
        var sid = await AdminApi.InScopeAsync(Idp, s => s.GetRequiredService<IdpDbContext>().Sessions
            .Where(x => x.UserId == userId && x.EndedAt == null).Select(x => x.UpstreamSessionId!).SingleAsync());
        return (browser, sid);
    }

    private Task<int> OpenSessionsAsync(string sid) =>
        AdminApi.InScopeAsync(Idp, s => s.GetRequiredService<IdpDbContext>().Sessions.CountAsync(x => x.UpstreamSessionId == sid && x.EndedAt == null));
}
