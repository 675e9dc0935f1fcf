using System.Security.Cryptography;

namespace Educloud.Idp.EndToEnd.Infrastructure;

/// <summary>
/// A research app registered with the IdP of the run (through <c>Clients__{index}__*</c> environment
/// variables): its client id, a secret of its own, and the port of its stand-in server
/// (<see cref="ResearchApp"/>), which receives the authorization response and the return from logout.
/// </summary>
public sealed record RegisteredApp(string ClientId, int Port, string Secret, bool BackChannelLogout = false)
{
    public static RegisteredApp New(string clientId, bool backChannelLogout = false) =>
        new(clientId, IdpProcess.FreeTcpPort(), Convert.ToHexString(RandomNumberGenerator.GetBytes(24)), backChannelLogout);

    /// <summary>On localhost: an origin other than the IdP's (127.0.0.1), as a real app's would be.</summary>
    public Uri RedirectUri => new($"http://localhost:{Port}{ResearchApp.CallbackPath}");

    public Uri PostLogoutRedirectUri => new($"http://localhost:{Port}{ResearchApp.LoggedOutPath}");

    /// <summary>
    /// The IdP's settings that register it, at <paramref name="index"/> of <c>Clients</c>: past the
    /// entries of appsettings.Development.json, or the variables would merge into one of those.
    /// </summary>
    public IEnumerable<KeyValuePair<string, string>> Settings(int index) => BackChannelLogout
        ? BaseSettings(index).Append(new($"Clients__{index}__BackChannelLogoutUri", $"http://localhost:{Port}{ResearchApp.BackChannelLogoutPath}"))
        : BaseSettings(index);

    private Dictionary<string, string> BaseSettings(int index) => new()
    {
        [$"Clients__{index}__ClientId"] = ClientId,
        [$"Clients__{index}__DisplayName"] = "E2E " + ClientId,
        [$"Clients__{index}__ClientSecret"] = Secret,
        [$"Clients__{index}__RedirectUris__0"] = RedirectUri.AbsoluteUri,
        [$"Clients__{index}__PostLogoutRedirectUris__0"] = PostLogoutRedirectUri.AbsoluteUri,
        [$"Clients__{index}__Scopes__0"] = "openid",
        [$"Clients__{index}__Scopes__1"] = "profile",
    };
}
