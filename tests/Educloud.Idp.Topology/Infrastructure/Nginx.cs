using System.Globalization;
using Educloud.Idp.Testing;

namespace Educloud.Idp.Topology.Infrastructure;

/// <summary>
/// Debian's nginx in front of the replicas, as an operator would put it: TLS with the throwaway CA,
/// round-robin over the replicas without stickiness, X-Forwarded-For and X-Forwarded-Proto set.
/// One worker, so that round-robin is one sequence (each worker keeps its own). A second server
/// gives the simulator its https address. Every response carries X-Upstream ($upstream_addr):
/// which replica answered, the proof the tests read.
/// </summary>
public sealed class Nginx : IAsyncDisposable
{
    public const string UpstreamHeader = "X-Upstream";

    private readonly ServerProcess process;

    private Nginx(ServerProcess process, int idpPort, int simulatorPort, string prefix)
    {
        this.process = process;
        IdpOrigin = new Uri($"https://127.0.0.1:{idpPort}");
        SimulatorOrigin = new Uri($"https://127.0.0.1:{simulatorPort}");
        Prefix = prefix;
    }

    /// <summary>The IdP's public address (its issuer).</summary>
    public Uri IdpOrigin { get; }

    /// <summary>The simulator's public address (ID-porten's, as the IdP sees it).</summary>
    public Uri SimulatorOrigin { get; }

    public string Prefix { get; }

    public string ErrorLog => File.Exists(Path.Combine(Prefix, "error.log")) ? File.ReadAllText(Path.Combine(Prefix, "error.log")) : "";

    public static async Task<Nginx> StartAsync(string prefix, ThrowawayCa ca, IReadOnlyList<int> replicaPorts, int simulatorHttpPort)
    {
        Directory.CreateDirectory(prefix);
        var idpPort = ServerProcess.FreeTcpPort();
        var simulatorPort = ServerProcess.FreeTcpPort();
        var config = Path.Combine(prefix, "nginx.conf");
        await File.WriteAllTextAsync(config, Config(prefix, ca, replicaPorts, simulatorHttpPort, idpPort, simulatorPort));
        var nginx = Tools.Require("nginx");
        await ServerProcess.RunAsync(nginx, ["-t", "-q", "-p", prefix, "-c", config]);
        var process = ServerProcess.Start("nginx", nginx, ["-p", prefix, "-c", config], new Dictionary<string, string>(), prefix);
        var started = new Nginx(process, idpPort, simulatorPort, prefix);
        using var handler = Handlers.Trusting(ca);
        await process.WaitUntilReadyAsync(new Uri(started.IdpOrigin, "/nginx-alive"), TimeSpan.FromSeconds(20), handler);
        return started;
    }

    public async ValueTask DisposeAsync() => await process.DisposeAsync();

    private static string Config(string prefix, ThrowawayCa ca, IReadOnlyList<int> replicaPorts, int simulatorHttpPort, int idpPort, int simulatorPort)
    {
        var servers = string.Concat(replicaPorts.Select(p => string.Create(CultureInfo.InvariantCulture, $"        server 127.0.0.1:{p} max_fails=0;\n")));
        // As root the workers would drop to 'nobody', who may not read the temporary folders.
        var user = Environment.UserName == "root" ? "user root;\n" : "";
        return $$"""
            {{user}}daemon off;
            master_process on;
            worker_processes 1;
            pid {{prefix}}/nginx.pid;
            error_log {{prefix}}/error.log warn;
            events { worker_connections 1024; }
            http {
                access_log off;
                client_body_temp_path {{prefix}}/client_body;
                proxy_temp_path {{prefix}}/proxy;
                fastcgi_temp_path {{prefix}}/fastcgi;
                uwsgi_temp_path {{prefix}}/uwsgi;
                scgi_temp_path {{prefix}}/scgi;
                ssl_certificate {{ca.ServerCertificate}};
                ssl_certificate_key {{ca.ServerKey}};
                ssl_protocols TLSv1.2 TLSv1.3;
                proxy_http_version 1.1;
                proxy_set_header Host $http_host;
                proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
                proxy_set_header X-Forwarded-Proto $scheme;
                proxy_set_header Connection "";
                proxy_buffer_size 16k;
                proxy_buffers 8 16k;

                # Round-robin (nginx's default), no ip_hash, no sticky cookie. max_fails=0: a replica that
                # refuses connections is skipped per request (the request goes to the next one), never
                # parked for fail_timeout, so a restarted replica gets its share again at once.
                upstream idp {
            {{servers}}    }

                server {
                    listen 127.0.0.1:{{idpPort}} ssl;
                    location = /nginx-alive { return 200 "ok"; }
                    location / {
                        proxy_pass http://idp;
                        add_header {{UpstreamHeader}} $upstream_addr always;
                    }
                }

                server {
                    listen 127.0.0.1:{{simulatorPort}} ssl;
                    location / {
                        proxy_pass http://127.0.0.1:{{simulatorHttpPort}};
                    }
                }
            }
            """;
    }
}
