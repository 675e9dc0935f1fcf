using System.Linq.Expressions;
using Educloud.Idp.Admin;
using Educloud.Idp.Data;
using Microsoft.EntityFrameworkCore;
using OpenIddict.Abstractions;
using OpenIddict.EntityFrameworkCore.Models;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace Educloud.Idp.Logout;

/// <summary>
/// The one way an IdP session ends (logout, ID-porten's logout, support, a new authenticator, a
/// timeout): in one transaction, the session rows end, the authorizations (and so the refresh
/// tokens) the apps got in them are revoked, and one outbox row per app with a back-channel logout
/// URI is written (<see cref="LogoutNotification"/>), which <see cref="LogoutSender"/> delivers.
/// </summary>
/// <remarks>
/// Each session is ended by its own conditional UPDATE (open → ended): of two requests (or
/// replicas) ending the same session at once, exactly one sees it change and writes its
/// notifications, so an app is told once. A person has a handful of sessions, an ID-porten login
/// one or two, so the statements stay few. Revoking the authorizations is what refuses the refresh
/// tokens (OpenIddict's ValidateAuthorizationEntry on every refresh, which it does anyway): no
/// extra read on the refresh path (docs/decisions.md, "Issue 12: logout that reaches the apps").
/// </remarks>
public sealed class SessionEndings(IdpDbContext db, IOpenIddictApplicationManager applications, TimeProvider time)
{
    /// <summary>Ends the open sessions among <paramref name="which"/> and tells their apps.</summary>
    /// <param name="timedOut">
    /// Ended by the timeout sweep, with no browser: ID-porten's id_token stays on the row, for the
    /// logout at ID-porten when the person's browser comes back (TimedOutSession, Digdir's test 8),
    /// which clears it. Every other ending clears it at once.
    /// </param>
    /// <returns>How many sessions this call ended.</returns>
    public async Task<int> EndAsync(Expression<Func<UserSession, bool>> which, CancellationToken cancellationToken, bool timedOut = false)
    {
        var open = await db.Sessions.AsNoTracking().Where(which).Where(s => s.EndedAt == null)
            .Select(s => new { s.Id, s.UserId }).ToListAsync(cancellationToken);
        if (open.Count == 0)
        {
            return 0;
        }

        await using var transaction = db.Database.CurrentTransaction is null ? await db.Database.BeginTransactionAsync(cancellationToken) : null;
        var now = time.GetUtcNow();
        var ended = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var session in open)
        {
            var row = db.Sessions.Where(s => s.Id == session.Id && s.EndedAt == null);
            var changed = timedOut
                ? await row.ExecuteUpdateAsync(s => s.SetProperty(x => x.EndedAt, now), cancellationToken)
                // ID-porten's id_token is kept no longer than it can be used (SessionService).
                : await row.ExecuteUpdateAsync(s => s.SetProperty(x => x.EndedAt, now).SetProperty(x => x.UpstreamIdTokenProtected, (string?)null), cancellationToken);
            if (changed == 1)
            {
                ended[session.Id] = session.UserId;
            }
        }

        if (ended.Count > 0)
        {
            var ids = ended.Keys.ToList();
            var apps = await db.SessionApps.AsNoTracking().Where(a => ids.Contains(a.SessionId)).ToListAsync(cancellationToken);
            await RevokeAsync(apps.Select(a => a.AuthorizationId).ToList(), cancellationToken);
            var uris = new Dictionary<string, string?>(StringComparer.Ordinal);
            foreach (var app in apps.DistinctBy(a => (a.SessionId, a.ClientId)))
            {
                if (!uris.TryGetValue(app.ClientId, out var uri))
                {
                    uris[app.ClientId] = uri = await UriOfEnabledAsync(app.ClientId, cancellationToken);
                }

                if (uri is not null)
                {
                    db.LogoutNotifications.Add(New(app.ClientId, app.SessionId, ended[app.SessionId], uri, now));
                }
            }

            await db.SaveChangesAsync(cancellationToken);
        }

        if (transaction is not null)
        {
            await transaction.CommitAsync(cancellationToken);
        }

        return ended.Count;
    }

    /// <summary>
    /// Every open session at once (the incident command, EverySession.EndEveryoneAsync): the
    /// notifications of every open session's apps are written first, in the caller's transaction,
    /// before its set-based UPDATE ends the sessions. Not one UPDATE per session: there may be
    /// tens of thousands, and this runs during an incident.
    /// </summary>
    public async Task<int> NotifyEveryOpenSessionAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var apps = await db.SessionApps.AsNoTracking()
            .Join(db.Sessions.Where(s => s.EndedAt == null), a => a.SessionId, s => s.Id, (a, s) => new { a.SessionId, a.ClientId, s.UserId })
            .Distinct().ToListAsync(cancellationToken);
        var uris = new Dictionary<string, string?>(StringComparer.Ordinal);
        var count = 0;
        foreach (var app in apps)
        {
            if (!uris.TryGetValue(app.ClientId, out var uri))
            {
                uris[app.ClientId] = uri = await UriOfEnabledAsync(app.ClientId, cancellationToken);
            }

            if (uri is not null)
            {
                db.LogoutNotifications.Add(New(app.ClientId, app.SessionId, app.UserId, uri, now));
                count++;
            }
        }

        await db.SaveChangesAsync(cancellationToken);
        return count;
    }

    /// <summary>
    /// An app disabled: it alone is told, for each open session in which it got tokens (its
    /// authorizations are revoked by the caller). The sessions go on for the other apps. Called
    /// before the app is marked disabled, in the caller's transaction.
    /// </summary>
    public async Task<int> NotifyAppOfOpenSessionsAsync(string clientId, CancellationToken cancellationToken)
    {
        if (await UriOfEnabledAsync(clientId, cancellationToken) is not { } uri)
        {
            return 0;
        }

        var now = time.GetUtcNow();
        var sessions = await db.SessionApps.AsNoTracking().Where(a => a.ClientId == clientId)
            .Join(db.Sessions.Where(s => s.EndedAt == null && s.ExpiresAt > now), a => a.SessionId, s => s.Id, (a, s) => new { a.SessionId, s.UserId })
            .Distinct().ToListAsync(cancellationToken);
        foreach (var session in sessions)
        {
            db.LogoutNotifications.Add(New(clientId, session.SessionId, session.UserId, uri, now));
        }

        await db.SaveChangesAsync(cancellationToken);
        return sessions.Count;
    }

    /// <summary>
    /// The authorizations of the ended sessions, and every token of them, revoked in two set-based
    /// UPDATEs (RFC 7009 2.1: revoking the grant revokes its refresh tokens).
    /// </summary>
    private async Task RevokeAsync(List<string> authorizationIds, CancellationToken cancellationToken)
    {
        if (authorizationIds.Count == 0)
        {
            return;
        }

        await db.Set<OpenIddictEntityFrameworkCoreAuthorization>().Where(a => authorizationIds.Contains(a.Id!) && a.Status != Statuses.Revoked)
            .ExecuteUpdateAsync(a => a.SetProperty(x => x.Status, Statuses.Revoked), cancellationToken);
        await db.Set<OpenIddictEntityFrameworkCoreToken>().Where(t => authorizationIds.Contains(t.Authorization!.Id!) && t.Status != Statuses.Revoked)
            .ExecuteUpdateAsync(t => t.SetProperty(x => x.Status, Statuses.Revoked), cancellationToken);
    }

    /// <summary>The app's back-channel logout URI, or null when it has none or is disabled (a disabled app was told when it was disabled).</summary>
    private async Task<string?> UriOfEnabledAsync(string clientId, CancellationToken cancellationToken)
    {
        var application = await applications.FindByClientIdAsync(clientId, cancellationToken);
        if (application is null)
        {
            return null;
        }

        var properties = await applications.GetPropertiesAsync(application, cancellationToken);
        var disabled = properties.TryGetValue(AppDescriptors.Disabled, out var flag) && flag.ValueKind == System.Text.Json.JsonValueKind.True;
        return disabled ? null : AppBackChannel.StoredUri(properties);
    }

    private static LogoutNotification New(string clientId, string sessionId, string subject, string uri, DateTimeOffset now) => new()
    {
        Id = Guid.NewGuid(),
        ClientId = clientId,
        SessionId = sessionId,
        Subject = subject,
        Uri = uri,
        State = LogoutNotificationState.Pending,
        CreatedAt = now,
        NextAttemptAt = now,
    };
}
