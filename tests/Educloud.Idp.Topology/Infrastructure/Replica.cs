using System.Reflection;
using Educloud.Idp.Testing;

namespace Educloud.Idp.Topology.Infrastructure;

/// <summary>One IdP replica: the built Educloud.Idp.dll as a process on its own loopback port, in Production.</summary>
public sealed class Replica : IAsyncDisposable
{
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(90);

    private readonly IReadOnlyDictionary<string, string> environment;
    private ServerProcess? process;

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
        ServerProcess.RunAsync(IdpAssembly, arguments, environment, Path.GetDirectoryName(IdpAssembly));

    /// <summary>Starts the replica (again, on the same port, after a kill) and waits until it is ready.</summary>
    public async Task StartAsync(HttpMessageHandler handler)
    {
        if (process is not null)
        {
            await process.DisposeAsync();
        }

        process = ServerProcess.Start(Name, IdpAssembly, [], environment, Path.GetDirectoryName(IdpAssembly));
        await WaitUntilReadyAsync(handler);
    }

    public Task WaitUntilReadyAsync(HttpMessageHandler handler) =>
        (process ?? throw new InvalidOperationException($"{Name} is not started.")).WaitUntilReadyAsync(new Uri(Direct, "/health/ready"), ReadyTimeout, handler);

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
