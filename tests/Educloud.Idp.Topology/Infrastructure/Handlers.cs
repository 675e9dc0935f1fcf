using System.Net.Security;
using System.Net;
using System.Security.Cryptography.X509Certificates;

namespace Educloud.Idp.Topology.Infrastructure;

public static class Handlers
{
    /// <summary>
    /// A client handler that trusts the throwaway CA (and only it: a custom root trust, not "accept
    /// anything"), the way the replicas trust it through SSL_CERT_FILE. No redirects followed, no cookies.
    /// </summary>
    public static SocketsHttpHandler Trusting(ThrowawayCa ca)
    {
        var root = X509CertificateLoader.LoadCertificateFromFile(ca.CaCertificate);
        return new SocketsHttpHandler
        {
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
