using System.Threading.Channels;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Educloud.Idp.EndToEnd.Infrastructure;

/// <summary>
/// A stand-in research app: a real Kestrel server whose /callback receives the authorization
/// response through the browser, and whose /logged-out receives the return from logout (the
/// post-logout redirect URI); both echo their query, so the test sees exactly what the app got.
/// </summary>
public sealed class ResearchApp : IAsyncDisposable
{
    public const string CallbackPath = "/callback";

    public const string LoggedOutPath = "/logged-out";

    /// <summary>OIDC Back-Channel Logout 1.0: the IdP POSTs a logout_token here (apps registered with it).</summary>
    public const string BackChannelLogoutPath = "/backchannel-logout";

    private readonly WebApplication app;
    private readonly Channel<IQueryCollection> callbacks = Channel.CreateUnbounded<IQueryCollection>();
    private readonly Channel<IQueryCollection> loggedOut = Channel.CreateUnbounded<IQueryCollection>();
    private readonly Channel<string> logoutTokens = Channel.CreateUnbounded<string>();

    private ResearchApp(WebApplication app) => this.app = app;

    public static async Task<ResearchApp> StartAsync(int port)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            EnvironmentName = Environments.Production,
            ContentRootPath = AppContext.BaseDirectory,
        });
        builder.Logging.ClearProviders();
        // Both loopback addresses, as a browser may resolve localhost to either.
        builder.WebHost.UseKestrel(kestrel => kestrel.ListenLocalhost(port));
        var app = builder.Build();
        var research = new ResearchApp(app);
        app.MapGet(CallbackPath, (HttpContext http) => Echo(http, research.callbacks, "The research app received:"));
        app.MapGet(LoggedOutPath, (HttpContext http) => Echo(http, research.loggedOut, "The research app logged you out. It received:"));
        app.MapPost(BackChannelLogoutPath, async (HttpContext http) =>
        {
            var form = await http.Request.ReadFormAsync();
            research.logoutTokens.Writer.TryWrite(form["logout_token"].ToString());
            return Results.Ok();
        });
        await app.StartAsync();
        return research;
    }

    /// <summary>The query of the next request to /callback not yet taken (the first, for a test that takes one).</summary>
    public Task<IQueryCollection> CallbackAsync(TimeSpan timeout) => callbacks.Reader.ReadAsync().AsTask().WaitAsync(timeout);

    /// <summary>The query of the next request to /logged-out not yet taken.</summary>
    public Task<IQueryCollection> LoggedOutAsync(TimeSpan timeout) => loggedOut.Reader.ReadAsync().AsTask().WaitAsync(timeout);

    /// <summary>The next logout_token the IdP sent to /backchannel-logout not yet taken (unchecked: the test reads its claims).</summary>
    public Task<string> LogoutTokenAsync(TimeSpan timeout) => logoutTokens.Reader.ReadAsync().AsTask().WaitAsync(timeout);

    private static IResult Echo(HttpContext http, Channel<IQueryCollection> received, string heading)
    {
        received.Writer.TryWrite(http.Request.Query);
        var lines = http.Request.Query.Select(q => $"{q.Key}={q.Value}");
        return Results.Text(heading + "\n" + string.Join('\n', lines), "text/plain; charset=utf-8");
    }

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
    }
}
