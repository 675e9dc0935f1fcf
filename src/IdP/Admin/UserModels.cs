using Educloud.Idp.Data;

namespace Educloud.Idp.Admin;

// The admin API's people, as JSON (the console's copy, src/Admin/Api/AdminApiModels.cs, is checked
// against /openapi/v1.json by ConsoleApiContractTests).

/// <param name="Email">The person's address: confirmed by them through a link (<paramref name="EmailConfirmed"/>), or typed by support for a local user.</param>
public sealed record UserSummary(string Id, string? UserName, string? DisplayName, string? Email, bool EmailConfirmed, bool FromIdPorten, DateTimeOffset CreatedAt, DateTimeOffset? LastLoginAt)
{
    internal static UserSummary Of(IdpUser u) => new(u.Id, u.UserName, u.DisplayName, u.Email, u.EmailConfirmed, u.PidHash is not null, u.CreatedAt, u.LastLoginAt);
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
    bool MayChange);

public sealed record ReasonRequest(string? Reason);

public sealed record CreateUserRequest(string? UserName, string? DisplayName, string? Email, string? Reason);

public sealed record EnrollmentCodeResponse(string UserId, string Code, DateTimeOffset ExpiresAt, string EnrollUrl);
