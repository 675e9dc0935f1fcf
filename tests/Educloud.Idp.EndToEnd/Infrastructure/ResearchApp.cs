using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Educloud.Idp.EndToEnd.Infrastructure;

/// <summary>
/// A stand-in research app: a real Kestrel server whose /callback receives the authorization
/// response through the browser and echoes its query, so the test sees exactly what the app got.
/// </summary>
public sealed class ResearchApp : IAsyncDisposable
{
    private readonly WebApplication app;
    private readonly TaskCompletionSource<IQueryCollection> callback = new(TaskCreationOptions.RunContinuationsAsynchronously);

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
        app.MapGet("/callback", (HttpContext http) =>
        {
            research.callback.TrySetResult(http.Request.Query);
            var lines = http.Request.Query.Select(q => $"{q.Key}={q.Value}");
            return Results.Text("The research app received:\n" + string.Join('\n', lines), "text/plain; charset=utf-8");
        });
        await app.StartAsync();
        return research;
    }

    /// <summary>The query of the first request to /callback.</summary>
    public Task<IQueryCollection> CallbackAsync(TimeSpan timeout) => callback.Task.WaitAsync(timeout);

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
    }
}
