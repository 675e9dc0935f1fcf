using Educloud.Idp.Data;
using Microsoft.EntityFrameworkCore;
using OpenIddict.Abstractions;
using OpenIddict.EntityFrameworkCore.Models;

namespace Educloud.Idp.Sessions;

/// <summary>
/// Ends every IdP session of a person and revokes what apps hold for them (tokens and
/// authorizations), at once on every replica: the rows decide. Used when support revokes the
/// authenticator or ends sessions, and when the person replaces their authenticator (ASVS 5 7.4.3:
/// after a factor changes, no other session lives on).
/// </summary>
public sealed class EverySession(
    IdpDbContext db,
    Logout.SessionEndings endings,
    IOpenIddictTokenManager tokens,
    IOpenIddictAuthorizationManager authorizations,
    TimeProvider time)
{
    /// <returns>How many sessions were open.</returns>
    public async Task<int> EndAsync(string userId, CancellationToken cancellationToken)
    {
        // The apps of each session are told (back-channel logout) in the same transaction.
        var ended = await endings.EndAsync(s => s.UserId == userId, cancellationToken);
        await authorizations.RevokeBySubjectAsync(userId, cancellationToken);
        await tokens.RevokeBySubjectAsync(userId, cancellationToken);
        return ended;
    }

    /// <summary>
    /// Ends every open session of everyone and revokes every token and authorization, in one
    /// transaction (the incident "revoke everyone's sessions": a leaked signing key, a compromised
    /// replica). Set-based UPDATEs rather than OpenIddict's managers one row at a time: an IdP
    /// with a year of logins has hundreds of thousands of rows, and this runs during an incident.
    /// </summary>
    /// <returns>How many sessions, authorizations and tokens it ended.</returns>
    public async Task<(int Sessions, int Authorizations, int Tokens)> EndEveryoneAsync(CancellationToken cancellationToken)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        // Every app of every open session is told (back-channel logout): written before the
        // sessions end, in this transaction, so an incident's logout reaches the apps too.
        await endings.NotifyEveryOpenSessionAsync(cancellationToken);
        var sessions = await db.Sessions.Where(s => s.EndedAt == null).ExecuteUpdateAsync(s => s
            .SetProperty(x => x.EndedAt, time.GetUtcNow())
            .SetProperty(x => x.UpstreamIdTokenProtected, (string?)null), cancellationToken);
        var revoked = OpenIddictConstants.Statuses.Revoked;
        var grants = await db.Set<OpenIddictEntityFrameworkCoreAuthorization>().Where(a => a.Status != revoked)
            .ExecuteUpdateAsync(a => a.SetProperty(x => x.Status, revoked), cancellationToken);
        var tokens = await db.Set<OpenIddictEntityFrameworkCoreToken>().Where(t => t.Status != revoked)
            .ExecuteUpdateAsync(t => t.SetProperty(x => x.Status, revoked), cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return (sessions, grants, tokens);
    }
}
