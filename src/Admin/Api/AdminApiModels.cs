namespace Educloud.Idp.Admin.Api;

// The admin API's shapes (src/IdP/Admin/*Endpoints.cs), as the console reads them. The console
// never references the IdP: the API (OpenAPI at /openapi/v1.json) is the only contract.

public sealed record UserSummary(string Id, string? UserName, string? DisplayName, string? Email, bool EmailConfirmed, bool FromIdPorten, DateTimeOffset CreatedAt, DateTimeOffset? LastLoginAt)
{
    public string Name => DisplayName ?? UserName ?? Id;
}

public sealed record AuthenticatorStatus(Guid Id, string State, DateTimeOffset CreatedAt, DateTimeOffset? ConfirmedAt, DateTimeOffset? LastUsedAt);

public sealed record SessionInfo(string Id, DateTimeOffset CreatedAt, DateTimeOffset ExpiresAt, string? UpstreamAcr, string? UpstreamAmr);

public sealed record AuthorizationInfo(string? Id, string? ClientId, string? Status, string? Type, IReadOnlyList<string> Scopes, DateTimeOffset? CreatedAt);

public sealed record UpstreamLoginInfo(string Provider, string DisplayName);

public sealed record UserDetails(
    UserSummary User,
    IReadOnlyList<AuthenticatorStatus> Authenticators,
    bool LockedOut,
    DateTimeOffset? LockedUntil,
    int FailedAttempts,
    IReadOnlyList<UpstreamLoginInfo> UpstreamLogins,
    IReadOnlyList<SessionInfo> ActiveSessions,
    IReadOnlyList<AuthorizationInfo> Authorizations,
    IReadOnlyList<string> Roles,
    bool MayChange = false)
{
    /// <summary>What a support person is told instead of actions on a person who has a role (the API decides, from its database).</summary>
    public const string OnlyAdminMessage = "Only an admin can change a person who has a role.";

    /// <summary>The authenticator in use (Active), else one being set up (Pending), else none.</summary>
    public AuthenticatorStatus? Current =>
        Authenticators.Where(a => a.State == "Active").OrderByDescending(a => a.ConfirmedAt).FirstOrDefault()
        ?? Authenticators.Where(a => a.State == "Pending").OrderByDescending(a => a.CreatedAt).FirstOrDefault();

    /// <summary>What support reads out on the phone: active, locked or none.</summary>
    public string AuthenticatorState => LockedOut ? "locked" : Authenticators.Any(a => a.State == "Active") ? "active" : "none";
}

public sealed record ReasonRequest(string? Reason);

public sealed record CreateUserRequest(string? UserName, string? DisplayName, string? Email, string? Reason);

public sealed record EnrollmentCodeResponse(string UserId, string Code, DateTimeOffset ExpiresAt, string EnrollUrl);

public sealed record AuditEntry(
    long Id, DateTimeOffset At, string Type, string? UserId, string? ClientId, string? Actor, string? ActorRole, string? Reason, string? ClientIp,
    string? UserName = null, string? UserDisplayName = null, string? ActorName = null);

public sealed record AuditFilter(string? UserId, string? Type, DateTimeOffset? From, DateTimeOffset? To, int? Limit = null);

/// <summary>An RFC 9457 problem from the API (or a plain failure), carried to the error page.</summary>
public sealed class AdminApiException(int status, string title, string? detail = null) : Exception(title)
{
    public int Status { get; } = status;
    public string Title { get; } = title;
    public string? Detail { get; } = detail;
}

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
    bool BackChannelLogoutSessionRequired = false)
{
    /// <summary>The aud of the app's access tokens: the client id of its API, or its own client id (the default).</summary>
    public string EffectiveAudience => Audience ?? ClientId;

    /// <summary>The default: the app's tokens are for the app itself (its own client id).</summary>
    public bool AudienceIsTheApp => EffectiveAudience == ClientId;

    /// <summary>Apps from configuration are changed only there (the API refuses with 409).</summary>
    public bool Editable => Source == "api" && !Disabled;
}

/// <summary>An app's back-channel logout notifications not delivered yet (pending) or given up (failed), and the latest of them.</summary>
public sealed record LogoutDeliveries(string ClientId, int Pending, int Failed, IReadOnlyList<LogoutDelivery> Latest);

public sealed record LogoutDelivery(string State, DateTimeOffset SessionEndedAt, int Attempts, DateTimeOffset NextAttemptAt, string? LastError);
