using Educloud.Idp.Federation;
using Educloud.Idp.Tests.Infrastructure;
using Educloud.IdPortenSimulator;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Educloud.Idp.Tests.Federation;

/// <summary>
/// ID-porten's id_token, validly signed, with a lifetime or audience that must not become a session
/// (OpenID Connect Core 3.1.3.7): each refused with the generic page and a log line (2011) saying
/// why; a token within the clock skew (IdTokenChecks.ClockSkew, 30 s) is accepted.
/// </summary>
public sealed class IdTokenLifetimeTests(StrictIdpFixture fixture) : IClassFixture<StrictIdpFixture>, IDisposable
{
    private IdpHost Idp => fixture.Idp;

    public void Dispose() => Idp.Faults.Reset();

    [Fact]
    public async Task IdTokenExpired_ShowsLoginFailed_AndNoSession()
    {
        Idp.Faults.IdTokenExpiredAgo = TimeSpan.FromMinutes(5);

        await AssertRefusedAsync("expired");
    }

    [Fact]
    public async Task IdTokenExpiredJustBeyondTheSkew_IsRefused()
    {
        Idp.Faults.IdTokenExpiredAgo = IdTokenChecks.ClockSkew + TimeSpan.FromSeconds(5);

        await AssertRefusedAsync("expired");
    }

    [Fact]
    public async Task IdTokenExpiredWithinTheSkew_GetsASession()
    {
        Idp.Faults.IdTokenExpiredAgo = IdTokenChecks.ClockSkew - TimeSpan.FromSeconds(20);

        await AssertAcceptedAsync();
    }

    [Fact]
    public async Task IdTokenIssuedInTheFuture_ShowsLoginFailed_AndNoSession()
    {
        Idp.Faults.IdTokenIssuedAhead = TimeSpan.FromMinutes(5);

        await AssertRefusedAsync("issued in the future");
    }

    [Fact]
    public async Task IdTokenIssuedAheadWithinTheSkew_GetsASession()
    {
        Idp.Faults.IdTokenIssuedAhead = IdTokenChecks.ClockSkew - TimeSpan.FromSeconds(20);

        await AssertAcceptedAsync();
    }

    [Fact]
    public async Task IdTokenWithSeveralAudiencesWithoutAzp_ShowsLoginFailed_AndNoSession()
    {
        Idp.Faults.ExtraAudienceInIdToken = true;

        await AssertRefusedAsync("several audiences without azp");
    }

    [Fact]
    public async Task IdTokenForAnotherClient_ShowsLoginFailed_AndNoSession()
    {
        Idp.Faults.ForeignAudienceInIdToken = true;

        await AssertRefusedAsync("aud does not contain our client_id");
    }

    [Fact]
    public async Task IdTokenWithAnotherClientAsAzp_ShowsLoginFailed_AndNoSession()
    {
        Idp.Faults.ForeignAzpInIdToken = true;

        await AssertRefusedAsync("azp is another client");
    }

    [Theory]
    [InlineData(-29, null)]
    [InlineData(-30, "expired (exp in the past)")]
    [InlineData(-3600, "expired (exp in the past)")]
    public void Refusal_ExpiryIsComparedWithTheSkew(int expiresInSeconds, string? expected)
    {
        var now = DateTimeOffset.FromUnixTimeSeconds(1_800_000_000);

        var refusal = IdTokenChecks.Refusal(Token(now.AddSeconds(-60), now.AddSeconds(expiresInSeconds)), "educloud-idp", now);

        refusal.Should().Be(expected);
    }

    [Theory]
    [InlineData(30, null)]
    [InlineData(31, "issued in the future (iat ahead of our clock)")]
    public void Refusal_IssuedAtIsComparedWithTheSkew(int issuedInSeconds, string? expected)
    {
        var now = DateTimeOffset.FromUnixTimeSeconds(1_800_000_000);

        var refusal = IdTokenChecks.Refusal(Token(now.AddSeconds(issuedInSeconds), now.AddSeconds(120)), "educloud-idp", now);

        refusal.Should().Be(expected);
    }

    [Fact]
    public void Refusal_SeveralAudiencesWithOurAzp_IsAccepted()
    {
        var now = DateTimeOffset.FromUnixTimeSeconds(1_800_000_000);

        var token = Token(now, now.AddSeconds(120), ["educloud-idp", IdPortenSimulatorFaults.ForeignClientId], azp: "educloud-idp");

        IdTokenChecks.Refusal(token, "educloud-idp", now).Should().BeNull();
    }

    [Fact]
    public void Refusal_TokenWithoutExp_IsRefused()
    {
        var now = DateTimeOffset.FromUnixTimeSeconds(1_800_000_000);
        var unsigned = new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false }.CreateToken(
            """{"iss":"https://idporten.example","aud":"educloud-idp","iat":1800000000,"sub":"x"}""");

        IdTokenChecks.Refusal(new JsonWebToken(unsigned), "educloud-idp", now).Should().Be("no exp");
    }

    private static JsonWebToken Token(DateTimeOffset issuedAt, DateTimeOffset expires, string[]? audiences = null, string? azp = null)
    {
        var claims = new Dictionary<string, object> { ["sub"] = "x", ["aud"] = audiences ?? ["educloud-idp"] };
        if (azp is not null)
        {
            claims["azp"] = azp;
        }

        return new JsonWebToken(new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false }.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = "https://idporten.example",
            IssuedAt = issuedAt.UtcDateTime,
            Expires = expires.UtcDateTime,
            Claims = claims,
        }));
    }

    private async Task AssertRefusedAsync(string why)
    {
        var browser = Idp.NewBrowser();

        var page = await LogInAsync(browser);

        page.Address.AbsolutePath.Should().Be("/error", page.Body);
        page.Address.Query.Should().Be("?reason=login");
        page.Document.QuerySelector("h1")!.TextContent.Should().Be("Login failed");
        Idp.Logs.Lines.Should().Contain(line => line.Contains("[2011]", StringComparison.Ordinal) && line.Contains(why, StringComparison.Ordinal));
        await browser.GetAsync(Flows.AuthorizeUrl());
        browser.LeftTo.Should().BeNull("no session, so no code for the app");
    }

    private async Task AssertAcceptedAsync()
    {
        var browser = Idp.NewBrowser();

        var page = await LogInAsync(browser);

        page.Address.AbsolutePath.Should().Be("/", page.Body);
        await browser.GetAsync(Flows.AuthorizeUrl());
        Flows.RedirectParameters(browser).Should().ContainKey("code");
    }

    private static async Task<BrowserPage> LogInAsync(TestBrowser browser) =>
        await Flows.LogInAtIdPortenAsync(browser, await browser.GetAsync(IdpHost.Origin + "/account/login"), StrictIdpFixture.RegisteredPid, Flows.High);
}
