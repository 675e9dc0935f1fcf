using Microsoft.Extensions.Options;

namespace Educloud.IdPortenSimulator;

/// <summary>Fails start-up on a bad client registration, rather than a confusing error mid-login.</summary>
internal sealed class OptionsValidator : IValidateOptions<IdPortenSimulatorOptions>
{
    public ValidateOptionsResult Validate(string? name, IdPortenSimulatorOptions options)
    {
        var failures = new List<string>();
        if (options.IdTokenLifetime <= TimeSpan.Zero || options.CodeLifetime <= TimeSpan.Zero)
        {
            failures.Add("IdTokenLifetime and CodeLifetime must be positive.");
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var client in options.Clients)
        {
            if (string.IsNullOrWhiteSpace(client.ClientId) || !seen.Add(client.ClientId))
            {
                failures.Add($"Client id '{client.ClientId}' is empty or used twice.");
                continue;
            }

            if (string.IsNullOrEmpty(client.ClientSecret) && string.IsNullOrEmpty(client.PublicKeyPem))
            {
                failures.Add($"Client '{client.ClientId}' needs a ClientSecret or a PublicKeyPem.");
            }

            if (!string.IsNullOrEmpty(client.PublicKeyPem) && ClientKeys.Parse(client.PublicKeyPem) is null)
            {
                failures.Add($"Client '{client.ClientId}': PublicKeyPem is not an RSA or EC public key.");
            }

            var uris = client.RedirectUris.Concat(client.PostLogoutRedirectUris);
            if (client.FrontChannelLogoutUri is not null)
            {
                uris = uris.Append(client.FrontChannelLogoutUri);
            }

            failures.AddRange(uris.Where(u => !IsHttpUri(u)).Select(u => $"Client '{client.ClientId}': '{u}' is not an absolute http(s) URI without a fragment."));
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static bool IsHttpUri(string value) =>
        Uri.TryCreate(value, UriKind.Absolute, out var uri) &&
        (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp) &&
        string.IsNullOrEmpty(uri.Fragment);
}
