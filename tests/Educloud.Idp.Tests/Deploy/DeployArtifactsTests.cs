using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Educloud.Idp.Tests.Settings;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Educloud.Idp.Tests.Deploy;

/// <summary>
/// deploy/ cannot be built or run here (no images, no cluster): what it passes is checked instead.
/// Every setting given to the IdP or the console (compose, Kubernetes) is one the schema knows;
/// compose, Kubernetes and the topology test give the IdP the same settings; the hardening and the
/// probes are in place; the image's health check script works (issue 10 item 5).
/// </summary>
public sealed class DeployArtifactsTests
{
    private static readonly string Root = SettingsSchemaTests.RepoRoot();

    private static readonly string Compose = Path.Combine(Root, "deploy", "compose.yaml");

    private static readonly string KubernetesBase = Path.Combine(Root, "deploy", "kubernetes", "base");

    private static readonly string ExampleOverlay = Path.Combine(Root, "deploy", "kubernetes", "example-overlay");

    /// <summary>Written by the topology test's harness; compared when present (it arrives with the topology branch).</summary>
    private static readonly string ReplicaEnv = Path.Combine(Root, "tests", "Educloud.Idp.Topology", "replica.env");

    [Fact]
    public void Compose_PassesOnlySettingsTheSchemaKnows()
    {
        var containers = DeploySettings.FromCompose(File.ReadAllText(Compose));

        containers.Where(c => c.App == DeployedApp.Idp).Select(c => c.Where).Should().Contain(["compose service 'migrate'", "compose service 'idp-1'", "compose service 'idp-2'"]);
        containers.Should().Contain(c => c.App == DeployedApp.Console);
        AssertAllKnown(containers);
    }

    [Fact]
    public void Kubernetes_PassesOnlySettingsTheSchemaKnows()
    {
        var containers = DeploySettings.FromKustomize(KubernetesBase);

        containers.Select(c => c.Where).Should().Contain(w => w.Contains("Deployment 'idp'")).And.Contain(w => w.Contains("Job 'idp-migrate'")).And.Contain(w => w.Contains("Deployment 'console'"));
        AssertAllKnown(containers);

        // The example overlay's settings too (its secrets come from files outside git).
        var literals = DeploySettings.GeneratorLiterals(DeploySettings.Load(File.ReadAllText(Path.Combine(ExampleOverlay, "kustomization.yaml"))).Single());
        AssertAllKnown([
            new ContainerSettings("example overlay: idp-settings", DeployedApp.Idp, literals["idp-settings"]),
            new ContainerSettings("example overlay: console-settings", DeployedApp.Console, literals["console-settings"]),
        ]);
    }

    [Fact]
    public void ComposeKubernetesAndTopologyTest_GiveTheIdPTheSameSettings()
    {
        // App registrations (Clients) are a site's data, not the platform's: compared apart from them.
        static SortedSet<string> Platform(IEnumerable<string> keys) =>
            new(keys.Where(k => !k.StartsWith("Clients__", StringComparison.Ordinal) && !DeploySettings.RuntimeVariables[DeployedApp.Idp].Contains(k)), StringComparer.Ordinal);

        var compose = DeploySettings.FromCompose(File.ReadAllText(Compose)).Where(c => c.App == DeployedApp.Idp).ToList();
        var kubernetes = DeploySettings.FromKustomize(KubernetesBase).Where(c => c.App == DeployedApp.Idp).ToList();
        var reference = Platform(compose[0].Keys);
        reference.Should().Contain(["Server__Issuer", "Database__Provider", "Database__ConnectionString", "Keys__SigningKeyPaths__0", "ForwardedHeaders__TrustedProxies__0"]);

        foreach (var container in compose.Concat(kubernetes))
        {
            Platform(container.Keys).Should().BeEquivalentTo(reference, $"{container.Where} must get the same settings as compose service '{compose[0].Where}'");
            container.Keys.Should().Contain("ASPNETCORE_ENVIRONMENT", $"{container.Where} runs in Production, said explicitly");
        }

        if (File.Exists(ReplicaEnv))
        {
            Platform(DeploySettings.FromEnvFile(File.ReadAllText(ReplicaEnv))).Should().BeEquivalentTo(reference,
                "the topology test (tests/Educloud.Idp.Topology/replica.env) must run the replicas with the settings deploy/ gives them");
        }
    }

    [Fact]
    public void MisspelledOrMisplacedSetting_IsReported()
    {
        var containers = DeploySettings.FromCompose("""
            x-settings: &settings
              Server__Isuer: https://idp.example.org/
              Keys__SigningKeyPaths: /run/secrets/idp/signing.pem
            services:
              idp:
                image: educloud-idp:1.0.0
                environment:
                  <<: *settings
                  Clients__0__ClientSecretTypo: x
                  Idp__Authority: https://idp.example.org/
                  ASPNETCORE_FORWARDEDHEADERS_ENABLED: "true"
                  Database__Provider: PostgreSql
              console:
                image: educloud-idp-console:1.0.0
                environment:
                  - Idp__Authorty=https://idp.example.org/
                  - Server__Issuer=https://idp.example.org/
                  - Idp__ClientId=support-console
            """);

        var schema = Schema();
        DeploySettings.Unknown(containers.Single(c => c.App == DeployedApp.Idp), schema).Should().BeEquivalentTo(
            "Server__Isuer", "Keys__SigningKeyPaths", "Clients__0__ClientSecretTypo", "Idp__Authority", "ASPNETCORE_FORWARDEDHEADERS_ENABLED");
        DeploySettings.Unknown(containers.Single(c => c.App == DeployedApp.Console), schema).Should().BeEquivalentTo("Idp__Authorty", "Server__Issuer");
    }

    [Fact]
    public void KubernetesWorkloads_AreHardenedAndProbed()
    {
        var documents = Directory.GetFiles(KubernetesBase, "*.yaml").Where(f => !f.EndsWith("kustomization.yaml", StringComparison.Ordinal))
            .SelectMany(f => DeploySettings.JsonDocuments(File.ReadAllText(f))).ToList();
        var workloads = documents.Where(d => d.GetProperty("kind").GetString() is "Deployment" or "Job").ToList();
        workloads.Should().HaveCount(3);

        foreach (var workload in workloads)
        {
            var pod = workload.GetProperty("spec").GetProperty("template").GetProperty("spec");
            pod.GetProperty("securityContext").GetProperty("runAsNonRoot").GetBoolean().Should().BeTrue();
            foreach (var container in pod.GetProperty("containers").EnumerateArray())
            {
                var security = container.GetProperty("securityContext");
                security.GetProperty("readOnlyRootFilesystem").GetBoolean().Should().BeTrue();
                security.GetProperty("allowPrivilegeEscalation").GetBoolean().Should().BeFalse();
                container.GetProperty("volumeMounts").EnumerateArray().Should().Contain(m => m.GetProperty("mountPath").GetString() == "/tmp", "the only place written");
            }
        }

        var idp = workloads.Single(w => w.GetProperty("kind").GetString() == "Deployment" && w.GetProperty("metadata").GetProperty("name").GetString() == "idp");
        idp.GetProperty("spec").GetProperty("replicas").GetInt32().Should().Be(2);
        var server = idp.GetProperty("spec").GetProperty("template").GetProperty("spec").GetProperty("containers")[0];
        server.GetProperty("livenessProbe").GetProperty("httpGet").GetProperty("path").GetString().Should().Be("/health/live");
        server.GetProperty("readinessProbe").GetProperty("httpGet").GetProperty("path").GetString().Should().Be("/health/ready");
        documents.Should().Contain(d => d.GetProperty("kind").GetString() == "PodDisruptionBudget");
        documents.Should().Contain(d => d.GetProperty("kind").GetString() == "Ingress");
        workloads.Single(w => w.GetProperty("kind").GetString() == "Job").GetProperty("spec").GetProperty("template").GetProperty("spec")
            .GetProperty("containers")[0].GetProperty("args")[0].GetString().Should().Be("migrate");
    }

    [Theory]
    [InlineData("idp.Dockerfile", "Educloud.Idp.dll")]
    [InlineData("console.Dockerfile", "Educloud.Idp.Admin.dll")]
    public void Dockerfile_BuildsWithTheSdk_RunsOnTheRuntimeAsNonRoot_WithAHealthCheck(string file, string entry)
    {
        var text = File.ReadAllText(Path.Combine(Root, "deploy", file));

        // The build stage may run on the builder's platform (cross-compiling for the image's architecture).
        text.Should().MatchRegex(@"FROM (--platform=\$BUILDPLATFORM )?mcr\.microsoft\.com/dotnet/sdk:").And.Contain("FROM mcr.microsoft.com/dotnet/aspnet:");
        text.Should().Contain("USER $APP_UID");
        text.Should().MatchRegex(@"HEALTHCHECK .*CMD \[""healthcheck"", ""8080"", ""/health/live""\]");
        text.Should().Contain($"ENTRYPOINT [\"dotnet\", \"{entry}\"]");
    }

    [Fact]
    public async Task HealthCheckScript_SucceedsOnlyWhenTheProbeAnswers200()
    {
        if (!File.Exists("/bin/bash"))
        {
            throw new InvalidOperationException("bash is needed: the image's health check is a bash script.");
        }

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        await using var app = builder.Build();
        app.MapGet("/health/live", () => Results.Text("Healthy"));
        app.MapGet("/health/ready", () => Results.StatusCode(503));
        await app.StartAsync();
        var port = new Uri(app.Urls.First()).Port;

        (await RunHealthCheckAsync(port, "/health/live")).Should().Be(0);
        (await RunHealthCheckAsync(port, "/health/ready")).Should().Be(1, "a 503 is not healthy");
        (await RunHealthCheckAsync(port, "/nothing-here")).Should().Be(1, "a 404 is not healthy");
        (await RunHealthCheckAsync(FreePort(), "/health/live")).Should().Be(1, "nothing listening");
    }

    private static async Task<int> RunHealthCheckAsync(int port, string path)
    {
        using var process = Process.Start(new ProcessStartInfo("bash", [Path.Combine(Root, "deploy", "healthcheck.sh"), port.ToString(System.Globalization.CultureInfo.InvariantCulture), path])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await process.WaitForExitAsync(timeout.Token);
        return process.ExitCode;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static void AssertAllKnown(IEnumerable<ContainerSettings> containers)
    {
        var schema = Schema();
        var unknown = containers.SelectMany(c => DeploySettings.Unknown(c, schema).Select(key => $"{c.Where}: {key}")).ToList();
        unknown.Should().BeEmpty("every setting passed must be a key of appsettings.schema.json (or a runtime variable of DeploySettings.RuntimeVariables)");
    }

    private static JsonElement Schema() =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(Root, "appsettings.schema.json"))).RootElement.Clone();
}
