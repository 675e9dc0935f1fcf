using System.Security.Cryptography;
using Educloud.Idp.Data;
using Educloud.Idp.Settings;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Educloud.Idp.Sessions;

/// <summary>Upstream facts kept with our session (ID-porten's sid, acr and amr).</summary>
public sealed record UpstreamLogin(string? SessionId, string Acr, IReadOnlyList<string> Amr, string? IdToken = null);

/// <summary>How a person logged out, for the audit log: one of <see cref="AuditEventTypes"/>' logout types, and the app it came from.</summary>
public sealed record LogoutWay(string EventType, string? ClientId = null)
{
    public static LogoutWay Here { get; } = new(AuditEventTypes.LogoutHere);

    public static LogoutWay Everywhere { get; } = new(AuditEventTypes.LogoutEverywhere);

    public static LogoutWay Timeout { get; } = new(AuditEventTypes.LogoutTimeout);

    public static LogoutWay IdPorten { get; } = new(AuditEventTypes.LogoutIdPorten);

    public static LogoutWay FromApp(string? clientId) => new(AuditEventTypes.LogoutFromApp, clientId);
}

/// <summary>
/// Starts and ends IdP sessions. A session is a database row plus a cookie pointing at it: the
/// row decides, so ending it (logout, support, revoked factor) takes effect at once everywhere.
/// </summary>
public sealed partial class SessionService(
    IdpDbContext db,
    Logout.SessionEndings endings,
    TimeProvider time,
    IOptions<IdpSessionOptions> options,
    ILogger<SessionService> logger)
{
    /// <param name="upstream">What ID-porten said, for a login that went there; null for a password login.</param>
    public async Task SignInAsync(HttpContext http, IdpUser user, UpstreamLogin? upstream, IReadOnlyList<string> amr, string acr)
    {
        // A new session id on every authentication (ASVS 5 7.2.4): never reuse an old session.
        await EndCurrentAsync(http);

        var now = time.GetUtcNow();
        var session = new UserSession
        {
            Id = Base64Url(RandomNumberGenerator.GetBytes(24)),
            UserId = user.Id,
            CreatedAt = now,
            ExpiresAt = now + options.Value.AbsoluteTimeout,
            UpstreamSessionId = upstream?.SessionId,
            UpstreamAcr = upstream?.Acr,
            UpstreamAmr = upstream is null ? null : string.Join(' ', upstream.Amr),
            ClientIp = http.Connection.RemoteIpAddress?.ToString(),
            UpstreamIdTokenProtected = upstream?.IdToken is null ? null : UpstreamIdTokenProtector(http, user.Id).Protect(upstream.IdToken),
        };
        db.Sessions.Add(session);
        user.LastLoginAt = now;
        await db.SaveChangesAsync(http.RequestAborted);

        var facts = new SessionFacts(session.Id, user.Id, now, acr, amr);
        // No ExpiresUtc here: the cookie's own sliding lifetime is the idle timeout, and the
        // absolute end is the session row's ExpiresAt, checked on every request (ValidateAsync).
        await http.SignInAsync(SessionDefaults.Scheme, facts.ToPrincipal(), new AuthenticationProperties { IsPersistent = false });
        LogSessionStarted(logger, user.Id, session.Id);
    }

    /// <summary>Ends the current session to start a new one (a new login): not a logout, not audited as one.</summary>
    public Task EndCurrentAsync(HttpContext http) => EndCurrentAsync(http, readUpstreamIdToken: false, logout: null);

    /// <summary>Ends the current session; returns ID-porten's id_token of its login, if it had one, for the logout upstream.</summary>
    /// <param name="logout">How the person logged out, for the audit log (a session that had timed out is audited as such).</param>
    public Task<string?> EndCurrentReturningUpstreamIdTokenAsync(HttpContext http, LogoutWay logout) => EndCurrentAsync(http, readUpstreamIdToken: true, logout);

    /// <summary>
    /// "Log out" from any page: ends whatever this browser holds here (a session, one that timed
    /// out, a pending login, an ID-porten login that was refused) and returns ID-porten's id_token
    /// of it, if any, for the logout at ID-porten. Digdir asks that everyone who reached us through
    /// ID-porten can log out actively, also people who do not get in (verification test 6, "PS").
    /// </summary>
    public async Task<string?> EndEverythingReturningUpstreamIdTokenAsync(HttpContext http, LogoutWay logout)
    {
        var idToken = await EndCurrentReturningUpstreamIdTokenAsync(http, logout);
        if (await PendingLogin.ReadAsync(http) is { } pending)
        {
            // Spent, not only forgotten: a copy of the cookie is worth nothing after a logout.
            await pending.TrySpendAsync(http);
            await PendingLogin.ClearAsync(http);
            idToken ??= pending.First.IdPorten?.IdToken;
        }

        var refused = await RefusedUpstreamLogin.TakeAsync(http);
        return idToken ?? refused;
    }

    private async Task<string?> EndCurrentAsync(HttpContext http, bool readUpstreamIdToken, LogoutWay? logout)
    {
        string? idToken = null;
        var result = await http.AuthenticateAsync(SessionDefaults.Scheme);
        // A session that timed out (its cookie's ticket expired, or its row's absolute end passed)
        // is still ended here, and its ID-porten login with it (verification test 8).
        if ((result.Principal is { } principal ? SessionFacts.From(principal) : TimedOutSession.Facts(http)) is { } facts)
        {
            if (readUpstreamIdToken)
            {
                // Also from a row the timeout sweep ended (Logout/LogoutSender): it keeps the id_token
                // for this moment; every other ending cleared it.
                var stored = await db.Sessions.AsNoTracking().Where(s => s.Id == facts.SessionId && s.UserId == facts.UserId)
                    .Select(s => s.UpstreamIdTokenProtected).SingleOrDefaultAsync(http.RequestAborted);
                idToken = stored is null ? null : UnprotectOrNull(UpstreamIdTokenProtector(http, facts.UserId), stored);
                if (stored is not null)
                {
                    await db.Sessions.Where(s => s.Id == facts.SessionId && s.EndedAt != null)
                        .ExecuteUpdateAsync(s => s.SetProperty(x => x.UpstreamIdTokenProtected, (string?)null), http.RequestAborted);
                }
            }

            // Audited with the ending, and only if this ended an open session (one that support or
            // ID-porten ended before has its own event); one that had timed out, as a timeout.
            var way = logout is null ? null : result.Principal is null ? LogoutWay.Timeout : logout;
            await endings.EndAsync(s => s.Id == facts.SessionId, http.RequestAborted, way: way, source: new(http.Connection.RemoteIpAddress));

            LogSessionEnded(logger, facts.UserId, facts.SessionId);
        }

        await http.SignOutAsync(SessionDefaults.Scheme);
        return idToken;
    }

    // A key ring key gone (rotated out too early) must not turn a logout into an error: our
    // session still ends, only the logout at ID-porten is skipped.
    private string? UnprotectOrNull(IDataProtector protector, string protectedValue)
    {
        try
        {
            return protector.Unprotect(protectedValue);
        }
        catch (System.Security.Cryptography.CryptographicException)
        {
            LogUpstreamIdTokenUnreadable(logger);
            return null;
        }
    }

    [LoggerMessage(EventId = 3003, Level = LogLevel.Warning, Message = "ID-porten's id_token kept with the session could not be decrypted; logging out here only")]
    private static partial void LogUpstreamIdTokenUnreadable(ILogger logger);

    // The purpose names the user, as for the authenticator secrets.
    private static IDataProtector UpstreamIdTokenProtector(HttpContext http, string userId) =>
        http.RequestServices.GetRequiredService<IDataProtectionProvider>().CreateProtector("Educloud.Idp.UpstreamIdToken.v1", userId);

    /// <summary>Ends the session, revokes what its apps got in it and tells them (Logout/SessionEndings).</summary>
    public Task EndAsync(string sessionId, CancellationToken cancellationToken) =>
        endings.EndAsync(s => s.Id == sessionId, cancellationToken);

    /// <summary>
    /// The session's person as the cookie's validation read them in this request (untracked), or
    /// null: the authorization endpoint builds its claims from it without reading the row again.
    /// </summary>
    public static IdpUser? ValidatedUser(HttpContext http, string userId) =>
        http.Items.TryGetValue(ValidatedUserKey, out var value) && value is IdpUser user && user.Id == userId ? user : null;

    private static readonly object ValidatedUserKey = new();

    /// <summary>
    /// Cookie validation: the cookie is only as good as its session row. The person's row comes in
    /// the same query (a left join on the primary key): an app's authorization request needs both,
    /// and on PostgreSQL every statement is a round trip (docs/performance.md, "Session 9").
    /// </summary>
    internal static async Task ValidateAsync(CookieValidatePrincipalContext context)
    {
        var facts = context.Principal is null ? null : SessionFacts.From(context.Principal);
        var services = context.HttpContext.RequestServices;
        var now = services.GetRequiredService<TimeProvider>().GetUtcNow();
        var db = services.GetRequiredService<IdpDbContext>();
        var row = facts is null
            ? null
            : await SessionWithPerson.For(db)(db, facts.SessionId, facts.UserId, context.HttpContext.RequestAborted);
        if (row is { EndedAt: null } && row.ExpiresAt > now)
        {
            if (row.User is not null)
            {
                context.HttpContext.Items[ValidatedUserKey] = row.User;
            }

            return;
        }

        context.RejectPrincipal();
        if (row is null || (row.EndedAt is not null && !row.OwesUpstreamLogout))
        {
            await context.HttpContext.SignOutAsync(SessionDefaults.Scheme);
        }

        // Past its absolute end (open, or ended by the timeout sweep, which keeps ID-porten's id_token):
        // the cookie stays, as an idle-expired one does, until the next page ends the session at
        // ID-porten too (TimedOutSession, Digdir's test 8).
    }

    // Every request with a session cookie runs this; compiled once rather than evaluated and looked up
    // in EF Core's query cache each time (docs/performance.md, "Session 12").
    private static readonly PerModel<Func<IdpDbContext, string, string, CancellationToken, Task<SessionCheck?>>> SessionWithPerson = new(() =>
        EF.CompileAsyncQuery((IdpDbContext db, string sessionId, string userId, CancellationToken cancellationToken) =>
            (from s in db.Sessions.AsNoTracking()
             where s.Id == sessionId && s.UserId == userId
             join u in db.Users.AsNoTracking() on s.UserId equals u.Id into people
             from u in people.DefaultIfEmpty()
             select new SessionCheck(s.EndedAt, s.ExpiresAt, s.UpstreamIdTokenProtected != null, u))
            .SingleOrDefault()));

    /// <summary>What checking a session cookie needs of its row, and its person (null if gone).</summary>
    private sealed record SessionCheck(DateTimeOffset? EndedAt, DateTimeOffset ExpiresAt, bool OwesUpstreamLogout, IdpUser? User);

    private static string Base64Url(byte[] bytes) => Microsoft.IdentityModel.Tokens.Base64UrlEncoder.Encode(bytes);

    [LoggerMessage(EventId = 3001, Level = LogLevel.Information, Message = "Session {SessionId} started for user {UserId}")]
    private static partial void LogSessionStarted(ILogger logger, string userId, string sessionId);

    [LoggerMessage(EventId = 3002, Level = LogLevel.Information, Message = "Session {SessionId} ended for user {UserId}")]
    private static partial void LogSessionEnded(ILogger logger, string userId, string sessionId);
}
