namespace Educloud.Idp.Settings;

public sealed class TokenOptions
{
    public const string Section = "Tokens";

    public TimeSpan AccessTokenLifetime { get; set; } = TimeSpan.FromMinutes(10);

    public TimeSpan IdentityTokenLifetime { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>At most 10 minutes (RFC 9700 / OIDF); shorter is better.</summary>
    public TimeSpan AuthorizationCodeLifetime { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>
    /// Absolute lifetime of a refresh-token family: rotation hands out new tokens but never extends
    /// this (RFC 9700 4.14.2 asks for an absolute expiry), so a login lasts at most this long.
    /// </summary>
    public TimeSpan RefreshTokenLifetime { get; set; } = TimeSpan.FromHours(12);
}
