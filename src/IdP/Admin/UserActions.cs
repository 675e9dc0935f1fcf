using Educloud.Idp.Data;
using Educloud.Idp.Profile;
using Educloud.Idp.Sessions;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace Educloud.Idp.Admin;

/// <summary>
/// What support and admins do to a person, each as one act: find them, check that the caller may
/// change them (<see cref="AdminActor"/>), act, audit, save. Revoking an authenticator: the factor
/// is gone, their IdP sessions end, their tokens and authorizations are revoked; their next
/// ID-porten login finds no active factor and leads into enrollment.
/// </summary>
public sealed partial class UserActions(
    IdpDbContext db,
    EverySession everySession,
    AdminActor actor,
    ChangeNotices notices,
    ILogger<UserActions> logger)
{
    public Task<Results<NoContent, ProblemHttpResult>> RevokeAuthenticatorAsync(string id, string reason, ApiCaller caller, CancellationToken cancellationToken) =>
        ActAsync(id, AuditEventTypes.AuthenticatorRevoked, caller, async user =>
        {
            var active = await db.TotpFactors.CountAsync(f => f.UserId == user.Id && f.State == Totp.TotpFactorState.Active, cancellationToken);
            await db.TotpFactors.Where(f => f.UserId == user.Id).ExecuteDeleteAsync(cancellationToken);
            // Saved with the audit event below; the person is told at their next login, and by mail now.
            var notice = active > 0 ? notices.Add(user.Id, ChangeNoticeKinds.AuthenticatorRevoked) : null;
            var sessions = await EndEverySessionAsync(user, AuditEventTypes.AuthenticatorRevoked, reason, caller, cancellationToken);
            LogRevoked(logger, user.Id, caller.UserId, sessions);
            if (notice is not null)
            {
                await notices.MailAsync(notice);
            }
        }, cancellationToken);

    /// <summary>Ends every IdP session of the person and revokes what apps hold (tokens and authorizations).</summary>
    public Task<Results<NoContent, ProblemHttpResult>> EndSessionsAsync(string id, string? reason, ApiCaller caller, CancellationToken cancellationToken) =>
        ActAsync(id, AuditEventTypes.SessionsEnded, caller, async user =>
        {
            var sessions = await EndEverySessionAsync(user, AuditEventTypes.SessionsEnded, reason, caller, cancellationToken);
            LogSessionsEnded(logger, user.Id, caller.UserId, sessions);
        }, cancellationToken);

    /// <summary>Clears both lockouts: the one-time code's and the password's.</summary>
    public Task<Results<NoContent, ProblemHttpResult>> UnlockAsync(string id, string? reason, ApiCaller caller, CancellationToken cancellationToken) =>
        ActAsync(id, AuditEventTypes.Unlocked, caller, async user =>
        {
            user.TotpFailedAttempts = 0;
            user.TotpLockedUntil = null;
            user.AccessFailedCount = 0;
            user.LockoutEnd = null;
            actor.Audit(caller, AuditEventTypes.Unlocked, user.Id, reason: reason);
            await db.SaveChangesAsync(cancellationToken);
        }, cancellationToken);

    private async Task<Results<NoContent, ProblemHttpResult>> ActAsync(
        string id, string act, ApiCaller caller, Func<IdpUser, Task> change, CancellationToken cancellationToken)
    {
        var user = await db.Users.FindAsync([id], cancellationToken);
        if (user is null)
        {
            return AdminProblems.UserNotFound();
        }

        if (await actor.RefuseUnlessMayChangeAsync(caller, user, act, cancellationToken) is { } refused)
        {
            return refused;
        }

        await change(user);
        return TypedResults.NoContent();
    }

    /// <returns>How many sessions were ended.</returns>
    private async Task<int> EndEverySessionAsync(IdpUser user, string act, string? reason, ApiCaller caller, CancellationToken cancellationToken)
    {
        var sessions = await everySession.EndAsync(user.Id, cancellationToken);
        actor.Audit(caller, act, user.Id, reason: reason);
        await db.SaveChangesAsync(cancellationToken);
        return sessions;
    }

    [LoggerMessage(EventId = 6001, Level = LogLevel.Warning, Message = "Authenticator of user {UserId} revoked by {Actor}; {Sessions} session(s) ended")]
    private static partial void LogRevoked(ILogger logger, string userId, string actor, int sessions);

    [LoggerMessage(EventId = 6002, Level = LogLevel.Information, Message = "Sessions of user {UserId} ended by {Actor}: {Sessions}")]
    private static partial void LogSessionsEnded(ILogger logger, string userId, string actor, int sessions);
}
