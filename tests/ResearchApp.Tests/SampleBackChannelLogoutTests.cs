using System.Net;
using Microsoft.IdentityModel.Tokens;

namespace Educloud.ResearchApp.Tests;

/// <summary>
/// The sample's back-channel logout endpoint (OIDC Back-Channel Logout 1.0, 2.6): a logout token
/// signed by the IdP ends the app's session made from that IdP session; anything else is a 400 and
/// ends nothing.
/// </summary>
public sealed class SampleBackChannelLogoutTests(ResearchAppFixture fixture) : IClassFixture<ResearchAppFixture>
{
    private IdpSignedLogoutTokens Tokens => new(fixture.Idp);

    [Fact]
    public async Task IdpSignedLogoutToken_WithTheSid_Is200_AndTheAppsSessionIsGone()
    {
        var (browser, home, _) = await fixture.LogInAsync();
        var (other, _, _) = await fixture.LogInAsync();

        var status = await PostAsync(Tokens.Create(HomePage.Field(home, "sid")));

        status.Should().Be(HttpStatusCode.OK);
        HomePage.AsksToLogIn(await fixture.HomeAsync(browser)).Should().BeTrue("the IdP said its session ended");
        HomePage.AsksToLogIn(await fixture.HomeAsync(other)).Should().BeFalse("another session is not touched");
    }

    [Fact]
    public async Task IdpSignedLogoutToken_WithOnlyTheSub_EndsThatPersonsSessions()
    {
        var (browser, home, _) = await fixture.LogInAsync();

        var status = await PostAsync(Tokens.Create(sid: null, sub: HomePage.Field(home, "sub")));

        status.Should().Be(HttpStatusCode.OK);
        HomePage.AsksToLogIn(await fixture.HomeAsync(browser)).Should().BeTrue();
    }

    public static TheoryData<string> Spoilers() =>
    [
        "wrong aud", "a nonce", "typ JWT", "typ at+jwt", "bad signature", "wrong iss", "no events", "another event", "iat too old", "iat in the future", "expired", "neither sid nor sub", "unsigned",
    ];

    [Theory]
    [MemberData(nameof(Spoilers))]
    public async Task SpoiltLogoutToken_Is400_AndTheSessionStays(string spoiler)
    {
        var (browser, home, _) = await fixture.LogInAsync();
        var sid = HomePage.Field(home, "sid");
        var token = spoiler switch
        {
            "neither sid nor sub" => Tokens.Create(sid: null),
            _ => Tokens.Create(sid, change: Spoil(spoiler)),
        };

        var status = await PostAsync(token);

        status.Should().Be(HttpStatusCode.BadRequest);
        HomePage.AsksToLogIn(await fixture.HomeAsync(browser)).Should().BeFalse("a refused logout token ends nothing");
        (await PostAsync(Tokens.Create(sid))).Should().Be(HttpStatusCode.OK, "the same token unspoilt is accepted (the test can fail)");
    }

    [Theory]
    [InlineData("text/plain", "logout_token=x")]
    [InlineData("application/x-www-form-urlencoded", "")]
    [InlineData("application/x-www-form-urlencoded", "logout_token=not-a-jwt")]
    [InlineData("application/x-www-form-urlencoded", "logout_token=a&logout_token=b")]
    public async Task NotASingleLogoutToken_Is400(string contentType, string body)
    {
        using var client = fixture.App.CreateClient();
        using var content = new StringContent(body, System.Text.Encoding.UTF8, contentType);

        using var response = await client.PostAsync("/backchannel-logout", content);

        response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        response.Headers.CacheControl!.NoStore.Should().BeTrue();
    }

    private Action<SecurityTokenDescriptor> Spoil(string spoiler) => spoiler switch
    {
        "wrong aud" => d => d.Audience = "test-app",
        "a nonce" => d => d.Claims["nonce"] = "n-0S6_WzA2Mj",
        "typ JWT" => d => d.TokenType = "JWT",
        "typ at+jwt" => d => d.TokenType = "at+jwt",
        "bad signature" => d => d.SigningCredentials = Tokens.ImpostorCredentials(),
        "wrong iss" => d => d.Issuer = "https://idp.example.org/",
        "no events" => d => d.Claims.Remove("events"),
        "another event" => d => d.Claims["events"] = new Dictionary<string, object> { ["http://schemas.openid.net/event/other"] = new Dictionary<string, object>() },
        "iat too old" => d => (d.IssuedAt, d.NotBefore, d.Expires) = (d.IssuedAt!.Value.AddMinutes(-10), d.NotBefore!.Value.AddMinutes(-10), d.Expires!.Value.AddMinutes(-5)),
        "iat in the future" => d => d.IssuedAt = d.IssuedAt!.Value.AddMinutes(5),
        "expired" => d => (d.IssuedAt, d.NotBefore, d.Expires) = (d.IssuedAt!.Value.AddMinutes(-4), d.NotBefore!.Value.AddMinutes(-4), d.Expires!.Value.AddMinutes(-4)),
        "unsigned" => d => d.SigningCredentials = null,
        _ => throw new ArgumentOutOfRangeException(nameof(spoiler), spoiler, null),
    };

    private async Task<HttpStatusCode> PostAsync(string logoutToken)
    {
        using var client = fixture.App.CreateClient();
        using var response = await client.PostAsync("/backchannel-logout", new FormUrlEncodedContent(new Dictionary<string, string> { ["logout_token"] = logoutToken }));
        return response.StatusCode;
    }
}
