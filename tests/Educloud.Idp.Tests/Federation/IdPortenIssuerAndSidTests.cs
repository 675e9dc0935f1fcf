using System.Net;
using System.Text.Json;
using Educloud.Idp.Data;
using Educloud.Idp.Federation;
using Educloud.Idp.Tests.Infrastructure;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Educloud.Idp.Tests.Federation;

/// <summary>
/// ID-porten's issuer in canonical form (a trailing slash is the same issuer), and an IdP that
/// says so, in its log and on /health/ready, when ID-porten's id_tokens carry no sid (logout at
/// ID-porten could not find its sessions).
/// </summary>
public sealed class IdPortenIssuerAndSidTests : IDisposable
{
    private readonly ResignedIdTokens withoutSid = new(claims => claims.Remove("sid"));
    private IdpHost? host;

    public void Dispose()
    {
        host?.Dispose();
        withoutSid.Dispose();
    }

    [Theory]
    [InlineData("https://test.idporten.no", "https://test.idporten.no/", true)]
    [InlineData("https://TEST.idporten.no:443/", "https://test.idporten.no", true)]
    [InlineData("http://localhost/idporten-sim/", "http://localhost/idporten-sim", true)]
    [InlineData("https://test.idporten.no", "https://idporten.no", false)]
    [InlineData("https://test.idporten.no", "http://test.idporten.no", false)]
    [InlineData("https://test.idporten.no/a", "https://test.idporten.no/a/b", false)]
    [InlineData("https://test.idporten.no", "https://test.idporten.no?x=1", false)]
    [InlineData("https://test.idporten.no", "", false)]
    public void Same_IgnoresOnlyTheTrailingSlashAndCase(string a, string b, bool same) =>
        CanonicalIssuer.Same(a, b).Should().Be(same);

    [Theory]
    [InlineData("/")]
    [InlineData("")]
    public async Task FrontChannelLogout_IssuerWithOrWithoutTrailingSlash_EndsTheSession(string slash)
    {
        // The configured issuer is the simulator's (no slash); ID-porten's iss with one or without.
        var idp = host = new IdpHost();
        var browser = idp.NewBrowser();
        var pid = Flows.NewPid();
        await Flows.LogInAtIdPortenAsync(browser, await browser.GetAsync(IdpHost.Origin + "/account/login"), pid);
        var sid = await UpstreamSessionIdAsync(idp, pid);
        sid.Should().NotBeNull();

        using var frame = idp.NewBackchannel();
        using var response = await frame.GetAsync(QueryHelpers.AddQueryString("/federation/idporten/frontchannel-logout",
            new Dictionary<string, string?> { ["iss"] = IdpHost.Origin + "/idporten-sim" + slash, ["sid"] = sid }));

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        (await browser.GetAsync(Flows.AuthorizeUrl())).Address.AbsolutePath.Should().Be("/account/login", "the session is over");
    }

    [Fact]
    public async Task IdTokenWithoutSid_WarningLogged_AndHealthReadyDegraded()
    {
        var idp = host = new IdpHost();
        idp.UpstreamRewriter = withoutSid.RewriteAsync;
        using var client = idp.NewBackchannel();
        (await ReadyAsync(client)).Status.Should().Be("Healthy", "no id_token seen yet");
        var browser = idp.NewBrowser();

        await Flows.LogInAtIdPortenAsync(browser, await browser.GetAsync(IdpHost.Origin + "/account/login"), Flows.NewPid());

        idp.Logs.Lines.Should().ContainSingle(line => line.Contains("[2016]", StringComparison.Ordinal) && line.Contains("no sid", StringComparison.Ordinal));
        var (status, idporten) = await ReadyAsync(client);
        status.Should().Be("Degraded");
        idporten.GetProperty("status").GetString().Should().Be("Degraded");
        idporten.GetProperty("description").GetString().Should().Contain("sid");
    }

    [Fact]
    public async Task IdTokenWithSid_HealthReadyHealthy_NoWarning()
    {
        var idp = host = new IdpHost();
        var browser = idp.NewBrowser();

        await Flows.LogInAtIdPortenAsync(browser, await browser.GetAsync(IdpHost.Origin + "/account/login"), Flows.NewPid());

        using var client = idp.NewBackchannel();
        (await ReadyAsync(client)).Status.Should().Be("Healthy");
        idp.Logs.Lines.Should().NotContain(line => line.Contains("[2016]", StringComparison.Ordinal));
    }

    private static async Task<(string Status, JsonElement IdPorten)> ReadyAsync(HttpClient client)
    {
        using var response = await client.GetAsync("/health/ready");
        response.StatusCode.Should().Be(HttpStatusCode.OK);
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        return (body.GetProperty("status").GetString()!, body.GetProperty("checks").GetProperty("idporten").Clone());
    }

    private static async Task<string?> UpstreamSessionIdAsync(IdpHost idp, string pid)
    {
        var userId = await AdminApi.UserIdAsync(idp, pid);
        await using var scope = idp.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<IdpDbContext>().Sessions
            .Where(s => s.UserId == userId && s.EndedAt == null)
            .Select(s => s.UpstreamSessionId).SingleAsync();
    }
}
