using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;

namespace Educloud.Idp.Topology.Infrastructure;

public static class Handlers
{
    private static int lastClient;

    /// <summary>
    /// A loopback address of its own for each test person (127.1.x.y; all of 127.0.0.0/8 is
    /// loopback on Linux): nginx sees it as the client and forwards it in X-Forwarded-For, so the
    /// IdP's per-address limits count people apart, as they would behind a real proxy.
    /// </summary>
    public static IPAddress NextClientAddress()
    {
        var n = Interlocked.Increment(ref lastClient);
        return new IPAddress([127, 1, (byte)(n / 250 % 250), (byte)(n % 250 + 1)]);
    }

    /// <summary>
    /// A client handler that trusts the throwaway CA (and only it: a custom root trust, not "accept
    /// anything"), the way the replicas trust it through SSL_CERT_FILE. No redirects followed, no
    /// cookies. With <paramref name="source"/>, its connections come from that local address.
    /// </summary>
    public static SocketsHttpHandler Trusting(ThrowawayCa ca, IPAddress? source = null)
    {
        var root = X509CertificateLoader.LoadCertificateFromFile(ca.CaCertificate);
        return new SocketsHttpHandler
        {
            ConnectCallback = source is null ? null : (context, cancellationToken) => ConnectFromAsync(source, context.DnsEndPoint, cancellationToken),
            AllowAutoRedirect = false,
            UseCookies = false,
            PooledConnectionLifetime = TimeSpan.FromSeconds(30),
            MaxConnectionsPerServer = 100,
            SslOptions = new SslClientAuthenticationOptions
            {
                CertificateChainPolicy = new X509ChainPolicy
                {
                    TrustMode = X509ChainTrustMode.CustomRootTrust,
                    CustomTrustStore = { root },
                    RevocationMode = X509RevocationMode.NoCheck,
                },
            },
        };
    }

    private static async ValueTask<Stream> ConnectFromAsync(IPAddress source, DnsEndPoint target, CancellationToken cancellationToken)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            socket.Bind(new IPEndPoint(source, 0));
            await socket.ConnectAsync(target, cancellationToken);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}

/// <summary>Records, per request through nginx, which replica answered (nginx's X-Upstream header).</summary>
public sealed class LandingRecorder(HttpMessageHandler inner) : DelegatingHandler(inner)
{
    private readonly List<(string Method, string Path, string? Upstream, HttpStatusCode Status)> landings = [];

    public IReadOnlyList<(string Method, string Path, string? Upstream, HttpStatusCode Status)> Landings
    {
        get
        {
            lock (landings)
            {
                return [.. landings];
            }
        }
    }

    public void Clear()
    {
        lock (landings)
        {
            landings.Clear();
        }
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var response = await base.SendAsync(request, cancellationToken);
        var upstream = response.Headers.TryGetValues(Nginx.UpstreamHeader, out var values) ? values.FirstOrDefault() : null;
        lock (landings)
        {
            landings.Add((request.Method.Method, request.RequestUri!.AbsolutePath, upstream, response.StatusCode));
        }

        return response;
    }
}
