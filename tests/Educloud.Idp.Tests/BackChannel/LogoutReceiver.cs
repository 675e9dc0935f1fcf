using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using Educloud.Idp.Logout;
using Educloud.Idp.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Educloud.Idp.Tests.BackChannel;

/// <summary>
/// A research app's back-channel logout endpoint, in-process (TestServer on https://app.test):
/// it keeps every logout_token POSTed to it, answers <see cref="Answer"/>, and is unreachable
/// while <see cref="Down"/> (the connection refused). The IdP's named HttpClient is routed to it
/// (<see cref="Route"/>).
/// </summary>
public sealed class LogoutReceiver : IAsyncDisposable
{
    public const string Path = "/backchannel-logout";
    public const string Uri = IdpHost.AppOrigin + Path;
    public const string OtherPath = "/other-app/backchannel-logout";

    private readonly WebApplication app;

    private LogoutReceiver(WebApplication app) => this.app = app;

    /// <summary>Every logout token received, with the path it came to.</summary>
    public ConcurrentQueue<(string Path, string Token)> Received { get; } = new();

    public bool Down { get; set; }

    public HttpStatusCode Answer { get; set; } = HttpStatusCode.OK;

    public static async Task<LogoutReceiver> StartAsync()
    {
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseTestServer(o => o.BaseAddress = new System.Uri(IdpHost.AppOrigin));
        var app = builder.Build();
        LogoutReceiver? receiver = null;
        RequestDelegate receive = async http =>
        {
            var form = await http.Request.ReadFormAsync();
            receiver!.Received.Enqueue((http.Request.Path, form["logout_token"].ToString()));
            http.Response.StatusCode = (int)receiver.Answer;
        };
        app.MapPost(Path, receive);
        app.MapPost(OtherPath, receive);
        await app.StartAsync();
        receiver = new LogoutReceiver(app);
        return receiver;
    }

    /// <summary>Tokens received for our session <paramref name="sid"/> (read without validation, to find them).</summary>
    public List<string> For(string sid, string path = Path) =>
        [.. Received.Where(r => r.Path == path && new JsonWebToken(r.Token).GetPayloadValue<string>("sid") == sid).Select(r => r.Token)];

    /// <summary>
    /// The IdP's sender reaches this receiver, and its poll loop is off: tests deliver with
    /// LogoutSender.DeliverDueAsync, so no background round races them.
    /// </summary>
    public void Route(IServiceCollection services)
    {
        services.AddHttpClient(LogoutSender.HttpClientName).ConfigurePrimaryHttpMessageHandler(() => new Gate(this, app.GetTestServer().CreateHandler()));
        foreach (var hosted in services.Where(d => d.ServiceType == typeof(IHostedService) && d.ImplementationType == typeof(LogoutSenderLoop)).ToList())
        {
            services.Remove(hosted);
        }
    }

    /// <summary>
    /// What the OpenID Foundation's back-channel RP tests check of a logout token, with
    /// Microsoft.IdentityModel as an app would: signature against the IdP's JWKS, typ logout+jwt, iss,
    /// aud, iat and exp (on the IdP's clock), the back-channel logout event, sub and sid, a jti, no nonce.
    /// </summary>
    public static async Task<JsonWebToken> ValidateAsync(IdpHost idp, string token, string clientId = IdpHost.AppClientId)
    {
        using var backchannel = idp.NewBackchannel();
        var jwks = new JsonWebKeySet(await backchannel.GetStringAsync("/.well-known/jwks"));
        var issuer = JsonDocument.Parse(await backchannel.GetStringAsync("/.well-known/openid-configuration")).RootElement.GetProperty("issuer").GetString();
        var now = idp.Clock.GetUtcNow().UtcDateTime;
        var result = await new JsonWebTokenHandler().ValidateTokenAsync(token, new TokenValidationParameters
        {
            IssuerSigningKeys = jwks.GetSigningKeys(),
            ValidIssuer = issuer,
            ValidAudience = clientId,
            ValidTypes = ["logout+jwt"],
            ValidAlgorithms = [SecurityAlgorithms.EcdsaSha256, SecurityAlgorithms.RsaSha256],
            RequireSignedTokens = true,
            RequireExpirationTime = true,
            LifetimeValidator = (notBefore, expires, _, _) => expires > now && (notBefore is null || notBefore <= now.AddMinutes(1)),
        });
        result.IsValid.Should().BeTrue(result.Exception?.Message);
        var jwt = (JsonWebToken)result.SecurityToken;
        jwt.Typ.Should().Be("logout+jwt");
        jwt.GetPayloadValue<JsonElement>("events").GetProperty("http://schemas.openid.net/event/backchannel-logout").ValueKind.Should().Be(JsonValueKind.Object);
        jwt.TryGetPayloadValue<string>("sid", out var sid).Should().BeTrue();
        sid.Should().NotBeNullOrEmpty();
        jwt.Subject.Should().NotBeNullOrEmpty();
        jwt.Id.Should().NotBeNullOrEmpty();
        jwt.TryGetClaim("nonce", out _).Should().BeFalse("a logout token never has a nonce (section 2.4)");
        jwt.TryGetClaim("iat", out _).Should().BeTrue();
        jwt.IssuedAt.Should().BeCloseTo(now, TimeSpan.FromMinutes(1));
        jwt.ValidTo.Should().BeAfter(now).And.BeOnOrBefore(now.AddMinutes(2).AddSeconds(1));
        return jwt;
    }

    public async ValueTask DisposeAsync() => await app.DisposeAsync();

    private sealed class Gate(LogoutReceiver receiver, HttpMessageHandler inner) : DelegatingHandler(inner)
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            receiver.Down
                ? throw new HttpRequestException(HttpRequestError.ConnectionError, "Connection refused (test: the app is down)")
                : base.SendAsync(request, cancellationToken);
    }
}
