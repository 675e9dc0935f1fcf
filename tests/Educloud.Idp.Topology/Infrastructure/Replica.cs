using System.Reflection;

namespace Educloud.Idp.Topology.Infrastructure;

/// <summary>One IdP replica: the built Educloud.Idp.dll as a process on its own loopback port, in Production.</summary>
public sealed class Replica : IAsyncDisposable
{
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(90);

    private readonly IReadOnlyDictionary<string, string> environment;
    private ChildProcess? process;

    private Replica(string name, int port, IReadOnlyDictionary<string, string> environment)
    {
        Name = name;
        Port = port;
        this.environment = environment;
    }

    public string Name { get; }

    public int Port { get; }

    /// <summary>The replica itself, past nginx (for /health/ready; nginx's X-Upstream names this address).</summary>
    public Uri Direct => new($"http://127.0.0.1:{Port}");

    public string Upstream => $"127.0.0.1:{Port}";

    public string Output => process?.Output ?? "";

    public static Replica Create(string name, int port, IReadOnlyDictionary<string, string> environment) => new(name, port, environment);

    /// <summary>Runs <c>dotnet Educloud.Idp.dll &lt;arguments&gt;</c> to its end with the replicas' settings (migrate, grant-role).</summary>
    public static Task<string> RunCommandAsync(IReadOnlyDictionary<string, string> environment, params string[] arguments) =>
        ChildProcess.RunAsync(DotnetHost(), [IdpAssembly, .. arguments], environment, Path.GetDirectoryName(IdpAssembly));

    /// <summary>Starts the replica (again, on the same port, after a kill) and waits until it is ready.</summary>
    public async Task StartAsync(HttpClient http)
    {
        if (process is not null)
        {
            await process.DisposeAsync();
        }

        process = ChildProcess.Start(Name, DotnetHost(), [IdpAssembly], environment, Path.GetDirectoryName(IdpAssembly));
        await WaitUntilReadyAsync(http);
    }

    public Task WaitUntilReadyAsync(HttpClient http) =>
        (process ?? throw new InvalidOperationException($"{Name} is not started.")).WaitUntilAnswersAsync(http, new Uri(Direct, "/health/ready"), ReadyTimeout);

    /// <summary>SIGKILL, as when the machine under it dies.</summary>
    public Task KillAsync() => process?.KillAsync() ?? Task.CompletedTask;

    public bool IsRunning => process is { HasExited: false };

    public async ValueTask DisposeAsync()
    {
        if (process is not null)
        {
            await process.DisposeAsync();
        }
    }

    public static string IdpAssembly => AssemblyPath("IdpAssemblyPath", "TOPOLOGY_IDP_ASSEMBLY");

    public static string SimulatorAssembly => AssemblyPath("SimulatorAssemblyPath", "TOPOLOGY_SIMULATOR_ASSEMBLY");

    /// <summary>The dotnet host that runs these tests (set by the SDK), else the one on PATH.</summary>
    public static string DotnetHost() =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : Tools.Require("dotnet");

    private static string AssemblyPath(string key, string variable)
    {
        var path = Environment.GetEnvironmentVariable(variable) is { Length: > 0 } overridden
            ? overridden
            : typeof(Replica).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().SingleOrDefault(a => a.Key == key)?.Value;
        return !string.IsNullOrEmpty(path) && File.Exists(path)
            ? path
            : throw new InvalidOperationException($"'{path}' ({key}) was not found: build through the test project (dotnet test tests/Educloud.Idp.Topology), or set {variable}.");
    }
}
