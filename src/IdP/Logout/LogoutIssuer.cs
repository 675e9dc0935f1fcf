using Educloud.Idp.Federation;
using Educloud.Idp.Settings;
using Microsoft.Extensions.Options;

namespace Educloud.Idp.Logout;

/// <summary>
/// The <c>iss</c> of the logout tokens, which must equal our id_tokens' (section 2.4), also when a
/// token is sent by the background sender, outside any request. <c>Server:Issuer</c> (required
/// outside Development). In Development without it, OpenIddict's issuer is the request's origin,
/// so the origin of the last authorization request is used, else the first server address.
/// </summary>
public sealed class LogoutIssuer(IOptions<ServerOptions> server, IConfiguration configuration)
{
    private Uri? seen;

    public void Seen(Uri? issuer)
    {
        if (issuer is not null && server.Value.Issuer is null)
        {
            Volatile.Write(ref seen, issuer);
        }
    }

    public string Value =>
        (ServerOptions.Normalize(server.Value.Issuer) ?? Volatile.Read(ref seen) ?? new Uri(ServerAddress() + "/")).AbsoluteUri;

    private string ServerAddress()
    {
        try
        {
            return SimulatorIssuer.FromServerUrls(configuration[WebHostDefaults.ServerUrlsKey], configuration[WebHostDefaults.HttpPortsKey]);
        }
        catch (SettingsException)
        {
            // A port chosen at start (0): Development only, and only until the first login is seen.
            return SimulatorIssuer.KestrelDefault;
        }
    }
}
