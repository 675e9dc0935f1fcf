using Microsoft.Extensions.Options;

namespace Educloud.IdPortenSimulator;

/// <summary>
/// Fails start-up on a bad setting or client registration, rather than a confusing error
/// mid-login. Messages name the setting as the Host's configuration spells it (section IdPortenSimulator).
/// </summary>
internal sealed class OptionsValidator : IValidateOptions<IdPortenSimulatorOptions>
{
    public ValidateOptionsResult Validate(string? name, IdPortenSimulatorOptions options)
    {
        var failures = new List<string>();
        if (options.IdTokenLifetime <= TimeSpan.Zero || options.CodeLifetime <= TimeSpan.Zero)
        {
            failures.Add("IdPortenSimulator:IdTokenLifetime and IdPortenSimulator:CodeLifetime must be positive.");
        }

        if (options.PushedRequestLifetime <= TimeSpan.Zero || options.PushedRequestLifetime > TimeSpan.FromMinutes(10))
        {
            failures.Add("IdPortenSimulator:PushedRequestLifetime must be positive and at most 10 minutes (RFC 9126 2.2: short-lived).");
        }

        if (options.SessionIdleTimeout <= TimeSpan.Zero || options.SessionLifetime < options.SessionIdleTimeout)
        {
            failures.Add("IdPortenSimulator:SessionIdleTimeout must be positive and no longer than IdPortenSimulator:SessionLifetime.");
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < options.Clients.Count; i++)
        {
            var client = options.Clients[i];
            var key = $"IdPortenSimulator:Clients:{i}";
            if (string.IsNullOrWhiteSpace(client.ClientId) || !seen.Add(client.ClientId))
            {
                failures.Add($"{key}:ClientId '{client.ClientId}' is empty or used twice.");
                continue;
            }

            if (string.IsNullOrEmpty(client.ClientSecret) && string.IsNullOrEmpty(client.PublicKeyPem))
            {
                failures.Add($"{key} ('{client.ClientId}') needs a ClientSecret or a PublicKeyPem.");
            }

            if (!string.IsNullOrEmpty(client.PublicKeyPem))
            {
                if (ClientKeys.Parse(client.PublicKeyPem, out var problem) is null)
                {
                    failures.Add($"{key}:PublicKeyPem ('{client.ClientId}') {problem}");
                }

                // Digdir's self-service gives every registered key a kid, and ID-porten picks the key
                // to verify an assertion with by it.
                if (string.IsNullOrWhiteSpace(client.KeyId))
                {
                    failures.Add($"{key}:KeyId ('{client.ClientId}') is required with a PublicKeyPem: client assertions must name their key (kid).");
                }
            }

            var uris = client.RedirectUris.Concat(client.PostLogoutRedirectUris);
            if (client.FrontChannelLogoutUri is not null)
            {
                uris = uris.Append(client.FrontChannelLogoutUri);
            }

            if (client.BackChannelLogoutUri is not null)
            {
                uris = uris.Append(client.BackChannelLogoutUri);
            }

            failures.AddRange(uris.Where(u => !IsHttpUri(u)).Select(u => $"{key} ('{client.ClientId}'): '{u}' is not an absolute http(s) URI without a fragment."));
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static bool IsHttpUri(string value) =>
        Uri.TryCreate(value, UriKind.Absolute, out var uri) &&
        (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp) &&
        string.IsNullOrEmpty(uri.Fragment);
}
