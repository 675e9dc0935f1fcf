namespace Educloud.Idp.Admin;

// The admin API's research apps, as JSON (checked against the console's copy by ConsoleApiContractTests).

public sealed record AppRequest(
    string? ClientId,
    string? DisplayName,
    string? ClientType,
    string? TokenEndpointAuthMethod,
    List<string>? RedirectUris,
    List<string>? PostLogoutRedirectUris,
    List<string>? Scopes,
    string? ConsentType,
    bool RotateSecret = false,
    string? Reason = null,
    string? Audience = null);

public sealed record AppInfo(
    string ClientId,
    string? DisplayName,
    string? ClientType,
    string TokenEndpointAuthMethod,
    string ConsentType,
    IReadOnlyList<string> RedirectUris,
    IReadOnlyList<string> PostLogoutRedirectUris,
    IReadOnlyList<string> Scopes,
    string Source,
    bool Disabled,
    string? ClientSecret = null,
    string? Audience = null);
