using Educloud.Idp.Connect;
using Educloud.Idp.Data;
using Educloud.Idp.Federation;
using Educloud.Idp.Hosting;
using Educloud.Idp.Totp;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using OpenIddict.Abstractions;

namespace Educloud.Idp.Admin;

public sealed record UserSummary(string Id, string? UserName, string? DisplayName, string? Email, bool FromIdPorten, DateTimeOffset CreatedAt, DateTimeOffset? LastLoginAt);

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

public static class UserEndpoints
{
    public static void MapAdminUsers(this RouteGroupBuilder api)
    {
        var users = api.MapGroup("/users").RequireAuthorization(AdminApiExtensions.SupportPolicy).WithTags("Users");
        users.MapGet("/", SearchAsync).WithName("SearchUsers")
            .WithSummary("Find people by name, username, email (contains), or national identity number (exact).");
        users.MapGet("/{id}", DetailsAsync).WithName("GetUser");
        users.MapPost("/{id}/authenticator/revoke", RevokeAsync).WithName("RevokeAuthenticator")
            .WithSummary("Revokes the authenticator, ends the sessions and revokes the tokens; a reason is required.");
        users.MapPost("/{id}/sessions/end", EndSessionsAsync).WithName("EndSessions");
        users.MapPost("/{id}/unlock", UnlockAsync).WithName("UnlockUser");
    }

    internal static ProblemHttpResult Problem(int status, string title, string? detail = null) =>
        TypedResults.Problem(statusCode: status, title: title, detail: detail);

    private static async Task<Results<Ok<List<UserSummary>>, ProblemHttpResult>> SearchAsync(
        string? q, IdpDbContext db, PidProtector pids, CancellationToken cancellationToken)
    {
        var query = q?.Trim();
        if (string.IsNullOrEmpty(query) || query.Length > 200)
        {
            return Problem(400, "A search term 'q' of 1 to 200 characters is required.");
        }

        IQueryable<IdpUser> found;
        if (PidProtector.IsWellFormed(query))
        {
            var hash = pids.LookupHash(query);
            found = db.Users.Where(u => u.PidHash == hash);
        }
        else
        {
            var pattern = "%" + query.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("%", "\\%", StringComparison.Ordinal).Replace("_", "\\_", StringComparison.Ordinal) + "%";
            found = db.Users.Where(u =>
                EF.Functions.Like(u.UserName!, pattern, "\\")
                || EF.Functions.Like(u.DisplayName!, pattern, "\\")
                || EF.Functions.Like(u.Email!, pattern, "\\"));
        }

        var list = await found.OrderBy(u => u.UserName).Take(50).ToListAsync(cancellationToken);
        return TypedResults.Ok(list.Select(Summary).ToList());
    }

    private static async Task<Results<Ok<UserDetails>, ProblemHttpResult>> DetailsAsync(
        string id, IdpDbContext db, UserManager<IdpUser> userManager, IOpenIddictAuthorizationManager authorizations, AdminActor actor,
        IOptions<TotpOptions> totp, TimeProvider time, CancellationToken cancellationToken)
    {
        var user = await db.Users.FindAsync([id], cancellationToken);
        if (user is null)
        {
            return NotFound();
        }

        var now = time.GetUtcNow();
        var factors = await db.TotpFactors.Where(f => f.UserId == id).ToListAsync(cancellationToken);
        var sessions = await db.Sessions.Where(s => s.UserId == id && s.EndedAt == null).ToListAsync(cancellationToken);
        var grants = new List<AuthorizationInfo>();
        await foreach (var authorization in authorizations.FindBySubjectAsync(id, cancellationToken))
        {
            grants.Add(new AuthorizationInfo(
                await authorizations.GetIdAsync(authorization, cancellationToken),
                await authorizations.GetApplicationIdAsync(authorization, cancellationToken),
                await authorizations.GetStatusAsync(authorization, cancellationToken),
                await authorizations.GetTypeAsync(authorization, cancellationToken),
                [.. await authorizations.GetScopesAsync(authorization, cancellationToken)],
                await authorizations.GetCreationDateAsync(authorization, cancellationToken)));
        }

        var upstream = (await userManager.GetLoginsAsync(user)).Select(l => new UpstreamLoginInfo(l.LoginProvider, l.ProviderDisplayName ?? l.LoginProvider)).ToList();
        if (user.PidHash is not null)
        {
            upstream.Insert(0, new UpstreamLoginInfo("idporten", "ID-porten"));
        }

        var roles = await AdminActor.RolesOfAsync(db, id, cancellationToken);
        return TypedResults.Ok(new UserDetails(
            Summary(user),
            [.. factors.Select(f => new AuthenticatorStatus(f.Id, f.State.ToString(), f.CreatedAt, f.ConfirmedAt, f.LastUsedAt))],
            totp.Value.RefusesCodes(user.TotpFailedAttempts, user.TotpLockedUntil, now),
            user.TotpLockedUntil,
            user.TotpFailedAttempts,
            upstream,
            [.. sessions.Where(s => s.ExpiresAt > now).Select(s => new SessionInfo(s.Id, s.CreatedAt, s.ExpiresAt, s.UpstreamAcr, s.UpstreamAmr))],
            grants,
            roles,
            actor.MayChange(roles)));
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> RevokeAsync(
        string id, ReasonRequest? body, IdpDbContext db, AuthenticatorRevocation revocation, AdminActor actor, CancellationToken cancellationToken)
    {
        if (!ValidReason(body?.Reason))
        {
            return Problem(400, "A reason (1 to 1000 characters) is required.");
        }

        var user = await db.Users.FindAsync([id], cancellationToken);
        if (user is null)
        {
            return NotFound();
        }

        if (await actor.RefuseUnlessMayChangeAsync(user, AuditEventTypes.AuthenticatorRevoked, cancellationToken) is { } refused)
        {
            return refused;
        }

        await revocation.RevokeAsync(user, body!.Reason!.Trim(), cancellationToken);
        return TypedResults.NoContent();
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> EndSessionsAsync(
        string id, ReasonRequest? body, IdpDbContext db, AuthenticatorRevocation revocation, AdminActor actor, CancellationToken cancellationToken)
    {
        if (body?.Reason is { Length: > 1000 })
        {
            return Problem(400, "The reason is longer than 1000 characters.");
        }

        var user = await db.Users.FindAsync([id], cancellationToken);
        if (user is null)
        {
            return NotFound();
        }

        if (await actor.RefuseUnlessMayChangeAsync(user, AuditEventTypes.SessionsEnded, cancellationToken) is { } refused)
        {
            return refused;
        }

        await revocation.EndSessionsAsync(user, body?.Reason, cancellationToken);
        return TypedResults.NoContent();
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> UnlockAsync(
        string id, ReasonRequest? body, IdpDbContext db, UserManager<IdpUser> userManager, AdminActor actor, CancellationToken cancellationToken)
    {
        if (body?.Reason is { Length: > 1000 })
        {
            return Problem(400, "The reason is longer than 1000 characters.");
        }

        var user = await db.Users.FindAsync([id], cancellationToken);
        if (user is null)
        {
            return NotFound();
        }

        if (await actor.RefuseUnlessMayChangeAsync(user, AuditEventTypes.Unlocked, cancellationToken) is { } refused)
        {
            return refused;
        }

        user.TotpFailedAttempts = 0;
        user.TotpLockedUntil = null;
        user.AccessFailedCount = 0;
        user.LockoutEnd = null;
        actor.Audit(AuditEventTypes.Unlocked, user.Id, reason: body?.Reason);
        await db.SaveChangesAsync(cancellationToken);
        return TypedResults.NoContent();
    }

    internal static bool ValidReason(string? reason) => !string.IsNullOrWhiteSpace(reason) && reason.Length <= 1000;

    internal static ProblemHttpResult NotFound() => Problem(404, "No such user.");

    internal static UserSummary Summary(IdpUser u) => new(u.Id, u.UserName, u.DisplayName, u.Email, u.PidHash is not null, u.CreatedAt, u.LastLoginAt);
}

public sealed record CreateUserRequest(string? UserName, string? DisplayName, string? Email, string? Reason);

public sealed record EnrollmentCodeResponse(string UserId, string Code, DateTimeOffset ExpiresAt, string EnrollUrl);

/// <summary>People without ID-porten: support creates them and gives them an enrollment code.</summary>
public static partial class LocalUserEndpoints
{
    public static void MapAdminLocalUsers(this RouteGroupBuilder api)
    {
        var users = api.MapGroup("/users").RequireAuthorization(AdminApiExtensions.SupportPolicy).WithTags("Users");
        users.MapPost("/", CreateAsync).WithName("CreateLocalUser")
            .WithSummary("Creates a person who logs in with username, password and authenticator (no ID-porten).");
        users.MapPost("/{id}/enrollment-codes", IssueCodeAsync).WithName("IssueEnrollmentCode")
            .WithSummary("Issues a single-use enrollment code (replacing any unused one). The code is shown only in this response.");
    }

    [System.Text.RegularExpressions.GeneratedRegex("^[a-z0-9][a-z0-9._-]{2,63}$")]
    private static partial System.Text.RegularExpressions.Regex UserNamePattern();

    private static async Task<Results<Created<UserSummary>, ProblemHttpResult>> CreateAsync(
        CreateUserRequest? body, UserManager<IdpUser> userManager, AdminActor actor, IdpDbContext db, TimeProvider time, CancellationToken cancellationToken)
    {
        var userName = body?.UserName?.Trim().ToLowerInvariant();
        if (userName is null || !UserNamePattern().IsMatch(userName) || userName.StartsWith("idporten-", StringComparison.Ordinal))
        {
            return UserEndpoints.Problem(400, "A username of 3 to 64 characters (a-z, 0-9, '.', '_', '-'), not starting with 'idporten-', is required.");
        }

        if (body!.DisplayName is { Length: > 200 } || body.Email is { Length: > 256 } || body.Reason is { Length: > 1000 }
            || (body.Email is { Length: > 0 } email && !new System.ComponentModel.DataAnnotations.EmailAddressAttribute().IsValid(email)))
        {
            return UserEndpoints.Problem(400, "The display name (at most 200), email (a valid address) or reason (at most 1000) is not acceptable.");
        }

        if (await userManager.FindByNameAsync(userName) is not null)
        {
            return UserEndpoints.Problem(409, "The username is taken.");
        }

        if (await LookAlikeAsync(body, userManager, db, cancellationToken) is { } lookAlike)
        {
            return lookAlike;
        }

        var user = new IdpUser
        {
            Id = Guid.NewGuid().ToString(),
            UserName = userName,
            DisplayName = string.IsNullOrWhiteSpace(body.DisplayName) ? null : body.DisplayName.Trim(),
            Email = string.IsNullOrWhiteSpace(body.Email) ? null : body.Email.Trim(),
            CreatedAt = time.GetUtcNow(),
        };
        var result = await userManager.CreateAsync(user);
        if (!result.Succeeded)
        {
            return UserEndpoints.Problem(400, "The user could not be created.", string.Join(" ", result.Errors.Select(e => e.Description)));
        }

        actor.Audit(AuditEventTypes.LocalUserCreated, user.Id, reason: body.Reason);
        await db.SaveChangesAsync(cancellationToken);
        return TypedResults.Created($"{AdminApiExtensions.BasePath}/users/{user.Id}", UserEndpoints.Summary(user));
    }

    /// <summary>
    /// A new person must not pass for an existing one: an email another person already has (people
    /// and apps recognise a person by it), or the name of a person with a role (a fake "admin" in the
    /// console or in an app's greeting). Usernames are unique already.
    /// </summary>
    private static async Task<ProblemHttpResult?> LookAlikeAsync(CreateUserRequest body, UserManager<IdpUser> userManager, IdpDbContext db, CancellationToken cancellationToken)
    {
        // Not FindByEmailAsync: emails are not unique in the store (ID-porten people), and it throws on two.
        var email = string.IsNullOrWhiteSpace(body.Email) ? null : userManager.NormalizeEmail(body.Email.Trim());
        if (email is not null && await db.Users.AnyAsync(u => u.NormalizedEmail == email, cancellationToken))
        {
            return UserEndpoints.Problem(409, "Another person has this email address.");
        }

        if (string.IsNullOrWhiteSpace(body.DisplayName))
        {
            return null;
        }

        var name = body.DisplayName.Trim().ToUpperInvariant();
        var privileged = await db.UserRoles
            .Join(db.Roles.Where(r => AdminRoles.All.Contains(r.Name!)), ur => ur.RoleId, r => r.Id, (ur, _) => ur.UserId)
            .Join(db.Users, userId => userId, u => u.Id, (_, u) => new { u.DisplayName, u.NormalizedUserName })
            .ToListAsync(cancellationToken);
        return privileged.Any(p => p.DisplayName?.Trim().ToUpperInvariant() == name || p.NormalizedUserName == name)
            ? UserEndpoints.Problem(409, "A person with a role in the admin console has this name; choose a name that tells them apart.")
            : null;
    }

    private static async Task<Results<Created<EnrollmentCodeResponse>, ProblemHttpResult>> IssueCodeAsync(
        string id, ReasonRequest? body, IdpDbContext db, LocalAccounts.EnrollmentCodes codes, AdminActor actor, HttpContext http, CancellationToken cancellationToken)
    {
        if (body?.Reason is { Length: > 1000 })
        {
            return UserEndpoints.Problem(400, "The reason is longer than 1000 characters.");
        }

        var user = await db.Users.FindAsync([id], cancellationToken);
        if (user is null)
        {
            return UserEndpoints.NotFound();
        }

        if (await actor.RefuseUnlessMayChangeAsync(user, AuditEventTypes.EnrollmentCodeIssued, cancellationToken) is { } refused)
        {
            return refused;
        }

        if (user.PidHash is not null)
        {
            // They set up a new authenticator through ID-porten ("Need a new one-time code?"); a
            // password would be a second, weaker way into their account.
            return UserEndpoints.Problem(400, "This person logs in with ID-porten; enrollment codes are for people without it.");
        }

        var issued = await codes.IssueAsync(user.Id, actor.UserId, cancellationToken);
        actor.Audit(AuditEventTypes.EnrollmentCodeIssued, user.Id, reason: body?.Reason);
        await db.SaveChangesAsync(cancellationToken);
        http.Response.Headers.CacheControl = "no-store";
        var url = FixedIssuer.Url(http, "account/enroll-with-code");
        return TypedResults.Created($"{AdminApiExtensions.BasePath}/users/{user.Id}", new EnrollmentCodeResponse(user.Id, issued.Code, issued.ExpiresAt, url));
    }
}
