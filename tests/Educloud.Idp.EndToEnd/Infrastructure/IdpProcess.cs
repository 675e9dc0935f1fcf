using System.Reflection;
using Educloud.Idp.Testing;

namespace Educloud.Idp.EndToEnd.Infrastructure;

/// <summary>
/// The real IdP as a child process (<see cref="ServerProcess"/>), started the way a newcomer runs it:
/// <c>dotnet Educloud.Idp.dll --urls http://host:port</c> in Development, with its own database
/// and keys in a temporary directory; the ID-porten simulator's issuer is left to follow --urls, as a
/// newcomer's would. Everything it writes is kept, so that a failing test can show what the IdP logged.
/// </summary>
public sealed class IdpProcess : IAsyncDisposable
{
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(90);

    private readonly ServerProcess server;
    private readonly string temp;
    private readonly Dictionary<string, string> environment;

    private IdpProcess(ServerProcess server, string temp, Uri baseUri, Dictionary<string, string> environment)
    {
        this.server = server;
        this.temp = temp;
        this.environment = environment;
        BaseUri = baseUri;
    }

    /// <summary>http://host:port/ — also the IdP's issuer.</summary>
    public Uri BaseUri { get; }

    /// <summary>How many lines the IdP has written so far (a mark for <see cref="OutputSince"/>).</summary>
    public int OutputMark => server.OutputMark;

    public static async Task<IdpProcess> StartAsync(string host, IReadOnlyDictionary<string, string> settings)
    {
        var baseUri = new Uri($"http://{host}:{FreeTcpPort()}/");
        var temp = Directory.CreateTempSubdirectory("educloud-e2e-").FullName;
        var environment = new Dictionary<string, string>
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Development",
            ["Database__ConnectionString"] = $"Data Source={Path.Combine(temp, "idp.db")}",
            ["Keys__DevelopmentKeysDirectory"] = Path.Combine(temp, "keys"),
        };
        foreach (var (key, value) in settings)
        {
            environment[key] = value;
        }

        var server = ServerProcess.Start("The IdP", IdpAssemblyPath(), ["--urls", baseUri.GetLeftPart(UriPartial.Authority)], environment);
        var idp = new IdpProcess(server, temp, baseUri, environment);
        try
        {
            await server.WaitUntilReadyAsync(idp.Url("/health/ready"), ReadyTimeout);
        }
        catch
        {
            await idp.DisposeAsync();
            throw;
        }

        return idp;
    }

    public Uri Url(string pathAndQuery) => new(BaseUri, pathAndQuery);

    /// <summary>
    /// Runs one of the IdP's commands (<c>grant-role &lt;user&gt; admin</c>) on this IdP's database
    /// and keys, as an operator runs it next to the running server; its output, or an exception with it.
    /// </summary>
    public Task<string> RunCommandAsync(params string[] arguments) =>
        ServerProcess.RunAsync(IdpAssemblyPath(), arguments, environment, limit: ReadyTimeout);

    /// <summary>What the IdP wrote after <paramref name="mark"/> (from <see cref="OutputMark"/>).</summary>
    public string OutputSince(int mark) => server.OutputSince(mark);

    /// <inheritdoc cref="ServerProcess.WaitForQuietOutputAsync"/>
    public Task WaitForQuietOutputAsync(TimeSpan quiet, TimeSpan limit) => server.WaitForQuietOutputAsync(quiet, limit);

    public static int FreeTcpPort() => ServerProcess.FreeTcpPort();

    public async ValueTask DisposeAsync()
    {
        await server.DisposeAsync();
        try
        {
            Directory.Delete(temp, recursive: true);
        }
        catch (IOException)
        {
            // A file still held open is left for the OS to clean up with /tmp.
        }
    }

    /// <summary>The IdP assembly built together with this project (see EmbedIdpAssemblyPath in the csproj).</summary>
    public static string IdpAssemblyPath()
    {
        var path = Environment.GetEnvironmentVariable("E2E_IDP_ASSEMBLY") is { Length: > 0 } overridden
            ? overridden
            : typeof(IdpProcess).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
                .SingleOrDefault(a => a.Key == "IdpAssemblyPath")?.Value;
        if (string.IsNullOrEmpty(path) || !File.Exists(path))
        {
            throw new InvalidOperationException(
                $"The IdP assembly was not found at '{path}'. Build and run through the test project " +
                "(dotnet test tests/Educloud.Idp.EndToEnd), which builds src/IdP too, or set E2E_IDP_ASSEMBLY to a built Educloud.Idp.dll.");
        }

        return path;
    }
}
