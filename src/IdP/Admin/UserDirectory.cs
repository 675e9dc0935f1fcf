using Educloud.Idp.Data;
using Educloud.Idp.Federation;
using Educloud.Idp.Totp;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using OpenIddict.Abstractions;

namespace Educloud.Idp.Admin;

/// <summary>Finding people and reading what support needs to know about one (read only).</summary>
public sealed class UserDirectory(
    IdpDbContext db,
    UserManager<IdpUser> userManager,
    IOpenIddictAuthorizationManager authorizations,
    IOpenIddictApplicationManager applications,
    PidProtector pids,
    IOptions<TotpOptions> totp,
    TimeProvider time)
{
    /// <summary>
    /// By name, username, email (contains, any case), or national identity number (exact, through its
    /// lookup hash). Text is compared upper-cased (invariant) against the normalized columns, so "ola"
    /// finds "Ola Nordmann" and "øyvind" finds "Øyvind" on SQLite and PostgreSQL alike.
    /// </summary>
    public async Task<List<UserSummary>> SearchAsync(string query, CancellationToken cancellationToken)
    {
        IQueryable<IdpUser> found;
        if (PidProtector.IsWellFormed(query))
        {
            var hash = pids.LookupHash(query);
            found = db.Users.Where(u => u.PidHash == hash);
        }
        else
        {
            var pattern = "%" + query.ToUpperInvariant().Replace("\\", "\\\\", StringComparison.Ordinal).Replace("%", "\\%", StringComparison.Ordinal).Replace("_", "\\_", StringComparison.Ordinal) + "%";
            found = db.Users.Where(u =>
                EF.Functions.Like(u.NormalizedUserName!, pattern, "\\")
                || EF.Functions.Like(u.NormalizedDisplayName!, pattern, "\\")
                || EF.Functions.Like(u.NormalizedEmail!, pattern, "\\"));
        }

        var list = await found.OrderBy(u => u.UserName).Take(50).ToListAsync(cancellationToken);
        return [.. list.Select(UserSummary.Of)];
    }

    /// <returns>null when there is no such person.</returns>
    public async Task<UserDetails?> DetailsAsync(string id, ApiCaller caller, CancellationToken cancellationToken)
    {
        var user = await db.Users.FindAsync([id], cancellationToken);
        if (user is null)
        {
            return null;
        }

        var now = time.GetUtcNow();
        var factors = await db.TotpFactors.Where(f => f.UserId == id).ToListAsync(cancellationToken);
        var sessions = await db.Sessions.Where(s => s.UserId == id && s.EndedAt == null).ToListAsync(cancellationToken);
        var grants = new List<AuthorizationInfo>();
        // The app by its client id (what support and the console know it by), not OpenIddict's row id.
        var clientIds = new Dictionary<string, string?>(StringComparer.Ordinal);
        async Task<string?> ClientIdOfAsync(string? applicationId)
        {
            if (applicationId is null)
            {
                return null;
            }

            if (!clientIds.TryGetValue(applicationId, out var clientId))
            {
                var application = await applications.FindByIdAsync(applicationId, cancellationToken);
                clientIds[applicationId] = clientId = application is null ? null : await applications.GetClientIdAsync(application, cancellationToken);
            }

            return clientId;
        }

        await foreach (var authorization in authorizations.FindBySubjectAsync(id, cancellationToken))
        {
            grants.Add(new AuthorizationInfo(
                await authorizations.GetIdAsync(authorization, cancellationToken),
                await ClientIdOfAsync(await authorizations.GetApplicationIdAsync(authorization, cancellationToken)),
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
        return new UserDetails(
            UserSummary.Of(user),
            [.. factors.Select(f => new AuthenticatorStatus(f.Id, f.State.ToString(), f.CreatedAt, f.ConfirmedAt, f.LastUsedAt))],
            totp.Value.RefusesCodes(user.TotpFailedAttempts, user.TotpLockedUntil, now),
            user.TotpLockedUntil,
            user.TotpFailedAttempts,
            upstream,
            [.. sessions.Where(s => s.ExpiresAt > now).Select(s => new SessionInfo(s.Id, s.CreatedAt, s.ExpiresAt, s.UpstreamAcr, s.UpstreamAmr))],
            grants,
            roles,
            AdminActor.MayChange(caller, roles));
    }
}
