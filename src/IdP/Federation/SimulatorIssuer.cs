using Educloud.Idp.Settings;

namespace Educloud.Idp.Federation;

/// <summary>
/// In Development the built-in ID-porten simulator is served by the IdP itself, so its issuer is the
/// IdP's own address plus <see cref="FederationExtensions.SimulatorPath"/>. A fixed issuer in
/// appsettings.Development.json broke every ID-porten login as soon as the IdP was started on another
/// address (<c>--urls http://127.0.0.1:8080</c>): OpenIddict fetched discovery from an address nobody
/// listened on (issue 9). The issuer now follows the address the IdP is told to listen on
/// (<c>--urls</c>, <c>ASPNETCORE_URLS</c>, <c>ASPNETCORE_HTTP_PORTS</c>, else Kestrel's default),
/// unless <c>IdPorten:Issuer</c> is set explicitly. It is written back into configuration, so every
/// reader of <see cref="IdPortenOptions"/> (the OpenIddict client registration, the simulator's one
/// client, the front-channel logout's frame-ancestors, the CSP form-action origins) sees the same value.
/// </summary>
public static class SimulatorIssuer
{
    /// <summary>Kestrel's address when nothing is configured.</summary>
    public const string KestrelDefault = "http://localhost:5000";

    private const string IssuerKey = IdPortenOptions.Section + ":" + nameof(IdPortenOptions.Issuer);

    /// <summary>Sets IdPorten:Issuer from the server's address when the simulator is used in Development and no issuer is set.</summary>
    public static void FollowServerAddress(WebApplicationBuilder builder)
    {
        var configuration = builder.Configuration;
        if (!builder.Environment.IsDevelopment()
            || !configuration.GetValue<bool>(IdPortenOptions.Section + ":" + nameof(IdPortenOptions.UseSimulator))
            || !string.IsNullOrWhiteSpace(configuration[IssuerKey]))
        {
            return;
        }

        var origin = FromServerUrls(configuration[WebHostDefaults.ServerUrlsKey], configuration[WebHostDefaults.HttpPortsKey]);
        configuration.AddInMemoryCollection([new(IssuerKey, origin + FederationExtensions.SimulatorPath)]);
    }

    /// <summary>
    /// The origin of the first address the server listens on (the value of <c>urls</c>, ';'-separated),
    /// else of the first <c>http_ports</c> entry, else Kestrel's default. A wildcard host (*, +, 0.0.0.0,
    /// [::]) becomes localhost: the browser needs a name it can reach, and the simulator checks the
    /// redirect URI against this origin.
    /// </summary>
    public static string FromServerUrls(string? urls, string? httpPorts)
    {
        var first = urls?.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault();
        if (first is null)
        {
            var port = httpPorts?.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault();
            return port is null ? KestrelDefault : Checked($"http://localhost:{port}");
        }

        // Uri refuses the wildcard hosts Kestrel accepts; read them as localhost.
        var schemeEnd = first.IndexOf("://", StringComparison.Ordinal);
        if (schemeEnd > 0)
        {
            var rest = first[(schemeEnd + 3)..];
            foreach (var wildcard in new[] { "*", "+", "0.0.0.0", "[::]" })
            {
                if (rest.StartsWith(wildcard + ":", StringComparison.Ordinal) || rest == wildcard || rest.StartsWith(wildcard + "/", StringComparison.Ordinal))
                {
                    first = first[..(schemeEnd + 3)] + "localhost" + rest[wildcard.Length..];
                    break;
                }
            }
        }

        return Checked(first);
    }

    private static string Checked(string address)
    {
        if (!Uri.TryCreate(address, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") || uri.Port == 0)
        {
            // Port 0 (a port chosen at start) cannot be known before the server runs.
            throw new SettingsException(
                $"IdPorten:Issuer is not set and cannot be derived from the server address '{address}': " +
                "set IdPorten:Issuer to {the IdP's address}/idporten-sim.");
        }

        return uri.GetLeftPart(UriPartial.Authority);
    }
}
