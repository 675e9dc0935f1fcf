using System.Net;
using System.Security.Cryptography;
using System.Text.Json;
using Educloud.Idp.Tests.Infrastructure;
using Educloud.IdPortenSimulator;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Microsoft.IdentityModel.JsonWebTokens;

namespace Educloud.Idp.Tests.Federation.Digdir;

/// <summary>
/// The IdP registered at ID-porten as it is registered at Digdir, against the simulator set up
/// as strictly as ID-porten can be: PAR required (every authorization request pushed first, RFC
/// 9126), private_key_jwt with an RSA key and its kid (made for the run, never a file in the
/// repository) and no client secret; and another service of ID-porten (<see cref="OtherService"/>),
/// the counterpart of Digdir's test service in the verification tests.
/// </summary>
public class DigdirFixture : IAsyncLifetime
{
    /// <summary>The kid under which the IdP's public key is registered at ID-porten.</summary>
    public const string KeyId = "educloud-idp-verification";

    /// <summary>Where our research app gets its logout answer.</summary>
    public const string AppLoggedOut = IdpHost.AppOrigin + "/signout-callback-oidc";

    private readonly string keyDirectory;

    public DigdirFixture()
        : this(time: null, backChannelLogout: true)
    {
    }

    /// <param name="time">A FakeTimeProvider for the IdP and the simulator (test 8).</param>
    /// <param name="backChannelLogout">
    /// The IdP registered at ID-porten for back-channel logout too, as docs/idporten.md says
    /// (the in-process simulator's logout tokens reach this host: IdpHost); without it, ID-porten
    /// reaches the IdP only through the front-channel frames of its logout page.
    /// </param>
    protected DigdirFixture(TimeProvider? time, bool backChannelLogout)
    {
        keyDirectory = Directory.CreateTempSubdirectory("educloud-digdir-").FullName;
        var keyPath = Path.Combine(keyDirectory, "idporten-client-key.pem");
        using (var rsa = RSA.Create(2048))
        {
            // PKCS#8, as `openssl genpkey -algorithm RSA` writes it.
            File.WriteAllText(keyPath, rsa.ExportPkcs8PrivateKeyPem());
        }

        Idp = new IdpHost(new Dictionary<string, string?>
        {
            ["IdPorten:ClientSecret"] = "",
            ["IdPorten:PrivateKeyPath"] = keyPath,
            ["IdPorten:PrivateKeyId"] = KeyId,
        }, time)
        {
            TestServices = services => ConfigureSimulator(services, backChannelLogout),
        };
        Service = new OtherService(Idp);
    }

    public IdpHost Idp { get; }

    /// <summary>The clock of the IdP and the simulator, when a test moves it.</summary>
    public FakeTimeProvider? Clock => Idp.Clock as FakeTimeProvider;

    /// <summary>Another service of ID-porten, in the same browser as ours.</summary>
    public OtherService Service { get; }

    public Task InitializeAsync()
    {
        _ = Idp.Server;
        return Task.CompletedTask;
    }

    public Task DisposeAsync()
    {
        Idp.Dispose();
        Directory.Delete(keyDirectory, recursive: true);
        return Task.CompletedTask;
    }

    private static void ConfigureSimulator(IServiceCollection services, bool backChannelLogout)
    {
        services.Configure<IdPortenSimulatorOptions>(simulator =>
        {
            simulator.RequirePushedAuthorizationRequests = true;
            simulator.Clients.Add(OtherService.Registration());
        });
        if (!backChannelLogout)
        {
            // After the IdP's own registration (FederationExtensions), which has the URI.
            services.PostConfigure<IdPortenSimulatorOptions>(simulator =>
                simulator.Clients.Single(c => c.ClientId != OtherService.ClientId).BackChannelLogoutUri = null);
        }
    }

    /// <summary>
    /// Our service: the research app sends the person to the IdP, the IdP's login page to ID-porten,
    /// where the person logs in (the simulator's page, so no single sign-on), then the one-time code.
    /// </summary>
    public async Task<AppLogin> LogInToOurServiceAsync(TestBrowser browser, string pid, string acr = Flows.Substantial, IDictionary<string, string?>? extra = null)
    {
        var pkce = Pkce.New();
        await Flows.LogInAtIdPortenAsync(browser, await browser.GetAsync(Flows.AuthorizeUrl(pkce: pkce, extra: extra)), pid, acr);
        return await RedeemAsync(browser, pkce);
    }

    /// <summary>The research app redeems its code: the IdP's tokens and its id_token's claims.</summary>
    public async Task<AppLogin> RedeemAsync(TestBrowser browser, Pkce pkce)
    {
        using var backchannel = Idp.NewBackchannel();
        var (status, tokens) = await Flows.RedeemCodeAsync(backchannel, Flows.RedirectParameters(browser)["code"], pkce);
        status.Should().Be(200, tokens.ToString());
        return new AppLogin(tokens, new JsonWebToken(tokens.GetProperty("id_token").GetString()));
    }

    /// <summary>
    /// The research app's logout: the IdP ends its session and sends the person on to ID-porten's
    /// logout, whose page links back; followed, the person is back at the app.
    /// </summary>
    public async Task<BrowserPage> LogOutOfOurServiceAsync(TestBrowser browser, AppLogin login)
    {
        var atIdPorten = await browser.GetAsync(QueryHelpers.AddQueryString(IdpHost.Origin + "/connect/endsession", new Dictionary<string, string?>
        {
            ["id_token_hint"] = login.IdToken.EncodedToken,
            ["post_logout_redirect_uri"] = AppLoggedOut,
            ["state"] = "app-logout-state",
        }));
        atIdPorten.Status.Should().Be(HttpStatusCode.OK, atIdPorten.Body);
        atIdPorten.Address.AbsolutePath.Should().Be("/idporten-sim/endsession", "the IdP sends the person on to ID-porten's logout");
        await browser.GetAsync(atIdPorten.Document.QuerySelector("a[href]")!.GetAttribute("href")!);
        browser.LeftTo!.GetLeftPart(UriPartial.Path).Should().Be(AppLoggedOut);
        return atIdPorten;
    }

    /// <summary>
    /// What the browser does with the front-channel logout frames of ID-porten's logout page that
    /// point at us: loads each in its own browsing context, without our cookies (third-party cookies
    /// are blocked). The frames of other services are not ours to load.
    /// </summary>
    public async Task<int> LoadOurLogoutFramesAsync(BrowserPage logoutPage)
    {
        var ours = logoutPage.Document.QuerySelectorAll("iframe[src]")
            .Select(frame => frame.GetAttribute("src")!)
            .Where(src => src.StartsWith(IdpHost.Origin + "/", StringComparison.Ordinal))
            .ToList();
        foreach (var src in ours)
        {
            using var frame = Idp.NewBackchannel();
            using var response = await frame.GetAsync(src);
            response.StatusCode.Should().Be(HttpStatusCode.OK, src);
        }

        return ours.Count;
    }

    /// <summary>
    /// Every call of the IdP to ID-porten went as Digdir's strictest registration wants: the
    /// authorization request pushed (PAR), the code redeemed with the client assertion.
    /// </summary>
    public void UpstreamCallsShouldHaveUsedPar()
    {
        Idp.UpstreamRequests.Should().Contain("POST /idporten-sim/par").And.Contain("POST /idporten-sim/token");
    }

    /// <summary>Whether the IdP session of this browser is over: a research app's next authorization meets the login page.</summary>
    public static async Task<bool> IsLoggedOutOfOurServiceAsync(TestBrowser browser) =>
        (await browser.GetAsync(Flows.AuthorizeUrl())).Address.AbsolutePath == "/account/login";
}

/// <summary>A login of the research app at the IdP: the token response and its id_token.</summary>
public sealed record AppLogin(JsonElement Tokens, JsonWebToken IdToken)
{
    public string? Acr => IdToken.TryGetPayloadValue<string>("acr", out var acr) ? acr : null;

    public long AuthTime => IdToken.GetPayloadValue<long>("auth_time");
}

/// <summary>The same IdP, registered at ID-porten without back-channel logout: only the front-channel frames can reach it.</summary>
public sealed class DigdirFrontChannelOnlyFixture() : DigdirFixture(time: null, backChannelLogout: false);

/// <summary>The same IdP on a FakeTimeProvider, for the timeout (test 8).</summary>
public sealed class DigdirFakeTimeFixture() : DigdirFixture(new FakeTimeProvider(DateTimeOffset.UtcNow), backChannelLogout: true);
