using System.Text;
using Microsoft.Playwright;

namespace Educloud.Idp.EndToEnd.Infrastructure;

/// <summary>
/// Base of the end-to-end tests. Each test gets fresh browser contexts; when it ends, the pages it
/// visited, the browser console and what the IdP logged meanwhile go to the test output (shown by
/// `dotnet test` when the test fails).
/// </summary>
[Collection(EndToEndCollection.Name)]
public abstract class EndToEndTest(EndToEndFixture fixture, ITestOutputHelper output) : IAsyncLifetime
{
    private readonly List<IBrowserContext> contexts = [];
    private readonly StringBuilder trail = new();
    private int idpMark;

    protected EndToEndFixture Fixture { get; } = fixture;

    protected IdpProcess Idp => Fixture.Idp;

    public Task InitializeAsync()
    {
        idpMark = Idp.OutputMark;
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        foreach (var context in contexts)
        {
            await context.DisposeAsync();
        }

        lock (trail)
        {
            if (trail.Length > 0)
            {
                output.WriteLine("Browser:\n" + trail);
            }
        }

        await Idp.WaitForQuietOutputAsync(TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(2));
        output.WriteLine("IdP output during this test:\n" + Idp.OutputSince(idpMark));
    }

    protected void WriteLine(string line) => output.WriteLine(line);

    /// <summary>
    /// A page in a new browser context (its own cookies) with the lowered default timeouts. The
    /// locale sets the browser's Accept-Language: English unless a test asks for another.
    /// </summary>
    /// <param name="storageState">Cookies to start with (<see cref="IBrowserContext.StorageStateAsync"/> of another context): a login made once.</param>
    protected async Task<IPage> NewPageAsync(string locale = "en-GB", string? storageState = null)
    {
        var browser = await Fixture.BrowserAsync();
        var context = await browser.NewContextAsync(new BrowserNewContextOptions { Locale = locale, StorageState = storageState });
        lock (contexts)
        {
            contexts.Add(context);
        }

        context.SetDefaultTimeout((float)Chromium.Timeout.TotalMilliseconds);
        context.SetDefaultNavigationTimeout((float)Chromium.Timeout.TotalMilliseconds);

        var page = await context.NewPageAsync();
        page.FrameNavigated += (_, frame) =>
        {
            if (frame.ParentFrame is null)
            {
                Trail($"navigated to {frame.Url}");
            }
        };
        page.Response += (_, response) =>
        {
            if (response.Status >= 400)
            {
                Trail($"HTTP {response.Status} from {response.Request.Method} {response.Url}");
            }
        };
        page.Console += (_, message) => Trail($"console {message.Type}: {message.Text}");
        page.PageError += (_, error) => Trail($"page error: {error}");
        return page;
    }

    private void Trail(string line)
    {
        lock (trail)
        {
            trail.AppendLine(line);
        }
    }
}
