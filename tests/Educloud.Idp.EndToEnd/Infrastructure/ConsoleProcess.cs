using System.Reflection;
using Educloud.Idp.Testing;

namespace Educloud.Idp.EndToEnd.Infrastructure;

/// <summary>
/// The support console (src/Admin) as a child process, run like the README's
/// <c>dotnet run --project src/Admin</c> but on a free port of 127.0.0.1 and pointed at the IdP of the
/// run (<c>Idp__Authority</c>), where the fixture registered it as a client with the admin_api scope
/// (<see cref="EndToEndFixture.ConsoleClient"/>). Development: the IdP of the run speaks plain http,
/// which the console refuses elsewhere.
/// </summary>
public sealed class ConsoleProcess : IAsyncDisposable
{
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(90);

    private readonly ServerProcess server;

    private ConsoleProcess(ServerProcess server, Uri baseUri)
    {
        this.server = server;
        BaseUri = baseUri;
    }

    /// <summary>http://127.0.0.1:port/</summary>
    public Uri BaseUri { get; }

    public int OutputMark => server.OutputMark;

    public static async Task<ConsoleProcess> StartAsync(Uri baseUri, Uri authority, string clientId, string clientSecret)
    {
        var environment = new Dictionary<string, string>
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Development",
            ["Idp__Authority"] = authority.GetLeftPart(UriPartial.Authority),
            ["Idp__ClientId"] = clientId,
            ["Idp__ClientSecret"] = clientSecret,
        };
        var server = ServerProcess.Start("The console", ConsoleAssemblyPath(), ["--urls", baseUri.GetLeftPart(UriPartial.Authority)], environment);
        var console = new ConsoleProcess(server, baseUri);
        try
        {
            await server.WaitUntilReadyAsync(console.Url("/health/live"), ReadyTimeout);
        }
        catch
        {
            await console.DisposeAsync();
            throw;
        }

        return console;
    }

    public Uri Url(string pathAndQuery) => new(BaseUri, pathAndQuery);

    public string OutputSince(int mark) => server.OutputSince(mark);

    public ValueTask DisposeAsync() => server.DisposeAsync();

    /// <summary>The console assembly built together with this project (see EmbedIdpAssemblyPath in the csproj).</summary>
    public static string ConsoleAssemblyPath()
    {
        var path = typeof(ConsoleProcess).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .SingleOrDefault(a => a.Key == "ConsoleAssemblyPath")?.Value;
        if (string.IsNullOrEmpty(path) || !File.Exists(path))
        {
            throw new InvalidOperationException(
                $"The console assembly was not found at '{path}'. Build and run through the test project " +
                "(dotnet test tests/Educloud.Idp.EndToEnd), which builds src/Admin too.");
        }

        return path;
    }
}
