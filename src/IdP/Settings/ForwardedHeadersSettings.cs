using System.Net;
using Microsoft.Extensions.Options;

namespace Educloud.Idp.Settings;

/// <summary>
/// Which reverse proxies may tell the IdP the client's address and scheme (X-Forwarded-For,
/// X-Forwarded-Proto). Named apart from ASP.NET Core's <c>ForwardedHeadersOptions</c>, which these fill.
/// </summary>
public sealed class ForwardedHeadersSettings
{
    public const string Section = "ForwardedHeaders";

    /// <summary>
    /// Addresses ("10.0.0.5", "2001:db8::5") and CIDR networks ("10.0.0.0/8") of the proxies in front
    /// of the IdP. Empty (the default) trusts nobody: X-Forwarded-* headers are ignored and the peer
    /// address is the client. Loopback is not trusted unless listed.
    /// </summary>
    public List<string> TrustedProxies { get; set; } = [];

    /// <summary>The entries as the framework wants them; call only on validated settings.</summary>
    public (IReadOnlyList<IPAddress> Addresses, IReadOnlyList<IPNetwork> Networks) Parse()
    {
        var addresses = new List<IPAddress>();
        var networks = new List<IPNetwork>();
        foreach (var entry in TrustedProxies.Select(e => e.Trim()))
        {
            if (entry.Contains('/', StringComparison.Ordinal))
            {
                networks.Add(IPNetwork.Parse(entry));
            }
            else
            {
                addresses.Add(IPAddress.Parse(entry));
            }
        }

        return (addresses, networks);
    }
}

internal sealed class ForwardedHeadersSettingsValidator : IValidateOptions<ForwardedHeadersSettings>
{
    public ValidateOptionsResult Validate(string? name, ForwardedHeadersSettings options)
    {
        var errors = new List<string>();
        for (var i = 0; i < options.TrustedProxies.Count; i++)
        {
            var entry = options.TrustedProxies[i]?.Trim() ?? "";
            var valid = entry.Contains('/', StringComparison.Ordinal) ? IsNetwork(entry) : IsAddress(entry);
            if (!valid)
            {
                errors.Add($"ForwardedHeaders:TrustedProxies:{i} ('{entry}') must be an IP address (10.0.0.5) or a CIDR network (10.0.0.0/8).");
            }
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    // "10.5" parses as 10.0.0.5: only the full dotted form (or IPv6) is taken.
    private static bool IsAddress(string entry) =>
        IPAddress.TryParse(entry, out _) && entry.Count(c => c == '.') is 0 or 3;

    // A network whose address has bits beyond the prefix ("10.0.0.1/8") is a typo that would trust
    // more, or other, addresses than meant: refused rather than silently masked.
    private static bool IsNetwork(string entry) =>
        IPNetwork.TryParse(entry, out var network)
        && IsAddress(entry[..entry.IndexOf('/', StringComparison.Ordinal)])
        && IPAddress.Parse(entry[..entry.IndexOf('/', StringComparison.Ordinal)]).Equals(network.BaseAddress);
}
