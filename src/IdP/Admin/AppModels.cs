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
    string? Audience = null,
    string? BackChannelLogoutUri = null,
    bool BackChannelLogoutSessionRequired = false);

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
    string? Audience = null,
    string? BackChannelLogoutUri = null,
    bool BackChannelLogoutSessionRequired = false);

/// <summary>An app's back-channel logout notifications not delivered yet (pending) or given up (failed), and the latest of them.</summary>
public sealed record LogoutDeliveries(string ClientId, int Pending, int Failed, IReadOnlyList<LogoutDelivery> Latest);

/// <summary>One notification: when its session ended, how often it was tried, when next, and why the last try failed.</summary>
public sealed record LogoutDelivery(string State, DateTimeOffset SessionEndedAt, int Attempts, DateTimeOffset NextAttemptAt, string? LastError);
