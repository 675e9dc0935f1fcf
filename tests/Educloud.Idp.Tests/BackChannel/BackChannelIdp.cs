using Educloud.Idp.Logout;
using Educloud.Idp.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.JsonWebTokens;

namespace Educloud.Idp.Tests.BackChannel;

/// <summary>A person logged in to the test app: the browser, our session id (the id_token's sid) and the app's refresh token.</summary>
public sealed record AppLogin(TestBrowser Browser, string Pid, string Sid, string IdToken, string RefreshToken);

/// <summary>IdPs whose test app registers a back-channel logout URI at a <see cref="LogoutReceiver"/>, and the steps the tests share.</summary>
public static class BackChannelIdp
{
    public static IdpHost Create(LogoutReceiver receiver, TimeProvider? time = null, IDictionary<string, string?>? more = null, TestDatabase database = TestDatabase.Sqlite)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Clients:0:BackChannelLogoutUri"] = LogoutReceiver.Uri,
            ["Clients:0:BackChannelLogoutSessionRequired"] = "true",
        };
        foreach (var (key, value) in more ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }

        return new IdpHost(settings, time, database) { TestServices = receiver.Route };
    }

    /// <summary>Logs a person in through ID-porten, then into the test app (code + PKCE): its tokens and the session's sid.</summary>
    public static async Task<AppLogin> LogInToAppAsync(IdpHost idp, string? pid = null, TestBrowser? browser = null)
    {
        pid ??= Flows.NewPid();
        if (browser is null)
        {
            browser = idp.NewBrowser();
            (await Flows.LogInAtIdPortenAsync(browser, await browser.GetAsync(IdpHost.Origin + "/account/login"), pid)).Address.AbsolutePath.Should().Be("/");
        }

        var pkce = Pkce.New();
        await browser.GetAsync(Flows.AuthorizeUrl(pkce: pkce));
        using var backchannel = idp.NewBackchannel();
        var (status, tokens) = await Flows.RedeemCodeAsync(backchannel, Flows.RedirectParameters(browser)["code"], pkce);
        status.Should().Be(200, tokens.ToString());
        var idToken = tokens.GetProperty("id_token").GetString()!;
        var sid = new JsonWebToken(idToken).GetPayloadValue<string>("sid");
        sid.Should().NotBeNullOrEmpty("every id_token carries our session id");
        return new AppLogin(browser, pid, sid, idToken, tokens.GetProperty("refresh_token").GetString()!);
    }

    public static Task<int> DeliverAsync(IdpHost idp) => idp.Services.GetRequiredService<LogoutSender>().DeliverDueAsync();

    public static async Task<int> RefreshStatusAsync(IdpHost idp, string refreshToken)
    {
        using var backchannel = idp.NewBackchannel();
        return (await Flows.RefreshAsync(backchannel, refreshToken)).Status;
    }
}
