using System.Net;

namespace Educloud.Idp.Hosting;

/// <summary>The client address as the per-address limits count it.</summary>
public static class ClientAddress
{
    /// <summary>
    /// The address (after ForwardedHeaders:TrustedProxies), IPv4-mapped IPv6 as IPv4, and IPv6 by
    /// its /64: one subscriber or host usually holds a whole /64, so counting single IPv6 addresses
    /// would give one attacker 2^64 budgets.
    /// </summary>
    public static string Key(IPAddress? address)
    {
        if (address is null)
        {
            return "unknown";
        }

        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        if (address.AddressFamily != System.Net.Sockets.AddressFamily.InterNetworkV6)
        {
            return address.ToString();
        }

        var bytes = address.GetAddressBytes();
        Array.Clear(bytes, 8, 8);
        return new IPAddress(bytes) + "/64";
    }
}
