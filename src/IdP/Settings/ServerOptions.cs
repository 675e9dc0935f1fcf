using Microsoft.Extensions.Options;

namespace Educloud.Idp.Settings;

/// <summary>Who the IdP is to the outside world (section <c>Server</c>).</summary>
public sealed class ServerOptions
{
    public const string Section = "Server";

    /// <summary>
    /// The IdP's issuer: its public origin, e.g. https://idp.example.org/. Discovery, the iss of every
    /// token and every absolute URL the IdP sends (its endpoints, its redirect URIs at ID-porten) use
    /// it, never the request's Host header. Required outside Development; in Development, unset, the
    /// request's own origin is used.
    /// </summary>
    public string? Issuer { get; set; }

    /// <summary>The issuer as OpenIddict writes it (scheme, lower-case host, port if not the default, "/"); null when unset.</summary>
    public static Uri? Normalize(string? issuer) =>
        string.IsNullOrWhiteSpace(issuer) ? null : new Uri(new Uri(issuer.Trim(), UriKind.Absolute).GetLeftPart(UriPartial.Authority) + "/");
}

/// <summary>
/// A configured issuer is the only defence against Host-header spoofing of the issuer and of every
/// URL built from it (RFC 8414 3.3: the issuer in discovery must be the one the client expects;
/// OWASP ASVS 5 13.2.x: the app does not trust the Host header). So outside Development it is required.
/// </summary>
internal sealed class ServerOptionsValidator(IHostEnvironment environment) : IValidateOptions<ServerOptions>
{
    private const string Key = ServerOptions.Section + ":" + nameof(ServerOptions.Issuer);

    public ValidateOptionsResult Validate(string? name, ServerOptions options)
    {
        if (string.IsNullOrWhiteSpace(options.Issuer))
        {
            return environment.IsDevelopment()
                ? ValidateOptionsResult.Success
                : ValidateOptionsResult.Fail($"{Key} is required outside Development (environment is '{environment.EnvironmentName}'): " +
                    "the IdP's public https URL, e.g. https://idp.example.org/. The issuer is never taken from the request's Host header.");
        }

        if (!Uri.TryCreate(options.Issuer.Trim(), UriKind.Absolute, out var issuer)
            || issuer.Scheme is not ("https" or "http")
            || (issuer.Scheme == "http" && !environment.IsDevelopment()))
        {
            return ValidateOptionsResult.Fail($"{Key} ('{options.Issuer}') must be an absolute https URL, e.g. https://idp.example.org/ (http only in Development).");
        }

        // The endpoints are served at the root of the host: an issuer with a path (or a query,
        // fragment or user info, RFC 8414 2) would name URLs that do not exist.
        if (issuer.AbsolutePath != "/" || issuer.Query.Length > 0 || issuer.Fragment.Length > 0 || issuer.UserInfo.Length > 0)
        {
            return ValidateOptionsResult.Fail($"{Key} ('{options.Issuer}') must be an origin only (scheme, host and optional port), without a path, query or fragment.");
        }

        return ValidateOptionsResult.Success;
    }
}
