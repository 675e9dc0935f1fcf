using Educloud.Idp.Data;
using Educloud.Idp.Sessions;
using Microsoft.EntityFrameworkCore;

namespace Educloud.Idp.Admin;

/// <summary>
/// Revoking a person's authenticator is one act: the factor is gone, their IdP sessions end, their
/// tokens and authorizations are revoked, and it is audited. Their next ID-porten login finds no
/// active factor and leads into enrollment.
/// </summary>
public sealed partial class AuthenticatorRevocation(
    IdpDbContext db,
    EverySession everySession,
    AdminActor actor,
    ILogger<AuthenticatorRevocation> logger)
{
    public async Task RevokeAsync(IdpUser user, string reason, CancellationToken cancellationToken)
    {
        await db.TotpFactors.Where(f => f.UserId == user.Id).ExecuteDeleteAsync(cancellationToken);
        var sessions = await everySession.EndAsync(user.Id, cancellationToken);
        actor.Audit(AuditEventTypes.AuthenticatorRevoked, user.Id, reason: reason);
        await db.SaveChangesAsync(cancellationToken);
        LogRevoked(logger, user.Id, actor.UserId, sessions);
    }

    /// <summary>Ends every IdP session of the person and revokes what apps hold (tokens and authorizations).</summary>
    public async Task<int> EndSessionsAsync(IdpUser user, string? reason, CancellationToken cancellationToken)
    {
        var sessions = await everySession.EndAsync(user.Id, cancellationToken);
        actor.Audit(AuditEventTypes.SessionsEnded, user.Id, reason: reason);
        await db.SaveChangesAsync(cancellationToken);
        LogSessionsEnded(logger, user.Id, actor.UserId, sessions);
        return sessions;
    }

    [LoggerMessage(EventId = 6001, Level = LogLevel.Warning, Message = "Authenticator of user {UserId} revoked by {Actor}; {Sessions} session(s) ended")]
    private static partial void LogRevoked(ILogger logger, string userId, string actor, int sessions);

    [LoggerMessage(EventId = 6002, Level = LogLevel.Information, Message = "Sessions of user {UserId} ended by {Actor}: {Sessions}")]
    private static partial void LogSessionsEnded(ILogger logger, string userId, string actor, int sessions);
}
