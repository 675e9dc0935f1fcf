namespace Educloud.IdPortenSimulator;

public sealed class IdPortenSimulatorOptions
{
    public List<SimulatedClient> Clients { get; } = new();

    /// <summary>ID-porten's id_tokens live about 120 s.</summary>
    public TimeSpan IdTokenLifetime { get; set; } = TimeSpan.FromSeconds(120);

    public TimeSpan CodeLifetime { get; set; } = TimeSpan.FromSeconds(60);

    internal SimulatedClient? FindClient(string? clientId) =>
        clientId is null ? null : Clients.FirstOrDefault(c => string.Equals(c.ClientId, clientId, StringComparison.Ordinal));
}

public sealed class SimulatedClient
{
    public required string ClientId { get; set; }

    /// <summary>Enables client_secret_basic and client_secret_post.</summary>
    public string? ClientSecret { get; set; }

    /// <summary>Enables private_key_jwt: an RSA or EC public key as PEM "PUBLIC KEY".</summary>
    public string? PublicKeyPem { get; set; }

    public List<string> RedirectUris { get; } = new();

    public List<string> PostLogoutRedirectUris { get; } = new();

    public string? FrontChannelLogoutUri { get; set; }
}
