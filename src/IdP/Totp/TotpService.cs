using Educloud.Idp.Data;
using Educloud.Idp.Hosting;
using Educloud.Idp.Sessions;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Educloud.Idp.Totp;

public enum TotpResult
{
    Accepted,
    WrongCode,
    Reused,
    LockedOut,
    NoAuthenticator,

    /// <summary>The enrollment confirmed was confirmed already (another tab or request was first).</summary>
    AlreadyConfirmed,

    /// <summary>The enrollment confirmed has expired (<see cref="TotpOptions.PendingEnrollmentLifetime"/>): a new QR code is needed.</summary>
    Expired,
}

/// <summary>Why codes are refused for now: until a time (a lockout), or until support or a new authenticator (the stop).</summary>
public sealed record TotpLockout(DateTimeOffset? Until, bool Stopped);

/// <summary>A new authenticator being set up: what the enrollment page shows until it is confirmed.</summary>
public sealed record PendingEnrollment(Guid FactorId, byte[] Secret, DateTimeOffset ExpiresAt);

/// <summary>
/// Enrolls and verifies authenticators. Everything that must hold across replicas (a code used
/// once, the lockout count) is decided by a conditional UPDATE in the database, not in memory.
/// </summary>
public sealed partial class TotpService(
    IdpDbContext db,
    IDataProtectionProvider dataProtection,
    AuditLog audit,
    TimeProvider time,
    IOptions<TotpOptions> options,
    IdpMetrics metrics,
    EverySession everySession,
    ILogger<TotpService> logger)
{
    private TotpOptions Settings => options.Value;

    public Task<bool> HasActiveAsync(string userId, CancellationToken cancellationToken) =>
        db.TotpFactors.AnyAsync(f => f.UserId == userId && f.State == TotpFactorState.Active, cancellationToken);

    /// <summary>
    /// The person's one pending enrollment: the live one if there is one (the same secret on every
    /// load, in every tab, until it is confirmed or expires), else a new one. The active
    /// authenticator keeps working until this one is confirmed.
    /// </summary>
    /// <remarks>
    /// Two tabs loading at once must not make two QR codes: the first statement of the transaction
    /// is a no-op UPDATE of the person's row, which takes its write lock (a row lock on PostgreSQL,
    /// the database's write lock on SQLite), so the second request reads the first one's insert.
    /// </remarks>
    public async Task<PendingEnrollment> PendingEnrollmentAsync(string userId, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        if (await LivePendingAsync(userId, now, cancellationToken) is { } live)
        {
            return live;
        }

        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        await db.Users.Where(u => u.Id == userId).ExecuteUpdateAsync(u => u.SetProperty(x => x.TotpFailedAttempts, x => x.TotpFailedAttempts), cancellationToken);
        if (await LivePendingAsync(userId, now, cancellationToken) is { } raced)
        {
            await transaction.RollbackAsync(cancellationToken);
            return raced;
        }

        var enrollment = await BeginEnrollmentAsync(userId, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return enrollment;
    }

    /// <summary>Starts (or restarts) setting up a new authenticator: any pending one is replaced by a new secret.</summary>
    public async Task<PendingEnrollment> BeginEnrollmentAsync(string userId, CancellationToken cancellationToken)
    {
        await db.TotpFactors.Where(f => f.UserId == userId && f.State == TotpFactorState.Pending).ExecuteDeleteAsync(cancellationToken);
        var secret = TotpCode.NewSecret();
        var now = time.GetUtcNow();
        var factor = new TotpFactor
        {
            Id = Guid.NewGuid(),
            UserId = userId,
            SecretProtected = Protector(userId).Protect(Convert.ToBase64String(secret)),
            State = TotpFactorState.Pending,
            CreatedAt = now,
            ExpiresAt = now + Settings.PendingEnrollmentLifetime,
        };
        db.TotpFactors.Add(factor);
        await db.SaveChangesAsync(cancellationToken);
        db.Entry(factor).State = EntityState.Detached;
        return new PendingEnrollment(factor.Id, secret, factor.ExpiresAt.Value);
    }

    private async Task<PendingEnrollment?> LivePendingAsync(string userId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        // At most one, bar a race of an older version: the latest made is the one shown.
        var live = await db.TotpFactors.AsNoTracking()
            .Where(f => f.UserId == userId && f.State == TotpFactorState.Pending && f.ExpiresAt > now).ToListAsync(cancellationToken);
        var newest = live.OrderByDescending(f => f.CreatedAt).ThenBy(f => f.Id).FirstOrDefault();
        return newest is null ? null : new PendingEnrollment(newest.Id, Secret(newest), newest.ExpiresAt!.Value);
    }

    /// <summary>Whether, and until when, codes are refused (after <see cref="VerifyAsync"/> said <see cref="TotpResult.LockedOut"/>).</summary>
    public async Task<TotpLockout> LockoutAsync(string userId, CancellationToken cancellationToken)
    {
        var state = await db.Users.AsNoTracking().Where(u => u.Id == userId)
            .Select(u => new { u.TotpFailedAttempts, u.TotpLockedUntil }).SingleOrDefaultAsync(cancellationToken);
        var now = time.GetUtcNow();
        return new TotpLockout(state?.TotpLockedUntil > now ? state.TotpLockedUntil : null, state?.TotpFailedAttempts >= Settings.MaxConsecutiveFailures);
    }

    /// <summary>
    /// Confirms a pending authenticator with a code from it. On success it replaces the old one in
    /// one transaction: from then on only codes from the new one work.
    /// </summary>
    public async Task<TotpResult> ConfirmEnrollmentAsync(string userId, Guid factorId, string code, HttpContext http, string? clientId) =>
        metrics.CodeChecked(await ConfirmEnrollmentCoreAsync(userId, factorId, code, http, clientId));

    /// <summary>Checks a code from the person's active authenticator, once.</summary>
    public async Task<TotpResult> VerifyAsync(string userId, string code, HttpContext http, string? clientId) =>
        metrics.CodeChecked(await VerifyCoreAsync(userId, code, http, clientId, forLogin: false));

    /// <summary>
    /// <see cref="VerifyAsync"/> for the second factor of a login, which then starts a session and
    /// saves the person's row anyway: the failure count that a right code resets goes with that save
    /// (<see cref="ClearFailures"/>), one statement fewer per login. The person's row is read with the
    /// factor, in one query, and left tracked in this request's context, where the session's start
    /// finds it (<c>FindAsync</c> looks there first): one statement fewer again.
    /// </summary>
    public async Task<TotpResult> VerifyForLoginAsync(string userId, string code, HttpContext http, string? clientId) =>
        metrics.CodeChecked(await VerifyCoreAsync(userId, code, http, clientId, forLogin: true));

    /// <summary>
    /// A right code ends the run of failures (and a lockout its own attempt started): set on a
    /// tracked person, saved by the caller. Both columns are written whatever the tracked values
    /// say: the person may have been read before this request's attempt was counted
    /// (<see cref="VerifyForLoginAsync"/>), so the row holds one failure more than the entity shows,
    /// and a count of 0 set on an entity that read 0 would otherwise not be saved at all.
    /// </summary>
    public void ClearFailures(IdpUser user)
    {
        user.TotpFailedAttempts = 0;
        user.TotpLockedUntil = null;
        var entry = db.Entry(user);
        entry.Property(u => u.TotpFailedAttempts).IsModified = true;
        entry.Property(u => u.TotpLockedUntil).IsModified = true;
    }

    private async Task<TotpResult> ConfirmEnrollmentCoreAsync(string userId, Guid factorId, string code, HttpContext http, string? clientId)
    {
        // No lockout here, and wrong codes are not counted: the new secret was just shown to whoever
        // is on this page, who got here with a fresh ID-porten login or support's enrollment code,
        // so a guess gains nothing. That is what lets a fresh enrollment end a lockout, also the
        // stop after MaxConsecutiveFailures (the per-IP limit still applies to the page).
        var now = time.GetUtcNow();
        var pending = await db.TotpFactors.AsNoTracking().SingleOrDefaultAsync(
            f => f.Id == factorId && f.UserId == userId && f.State == TotpFactorState.Pending && f.ExpiresAt > now, http.RequestAborted);
        if (pending is null)
        {
            var result = await WhyNotPendingAsync(userId, factorId, now, http.RequestAborted);
            LogRefused(logger, userId, result);
            return result;
        }

        var step = Match(Secret(pending), code, now);
        if (step is null)
        {
            await audit.WriteAsync(AuditEventTypes.TotpWrongCode, userId, new(http.Connection.RemoteIpAddress), clientId, cancellationToken: http.RequestAborted);
            LogRefused(logger, userId, TotpResult.WrongCode);
            return TotpResult.WrongCode;
        }

        await using var transaction = await db.Database.BeginTransactionAsync(http.RequestAborted);
        var replaced = await db.TotpFactors.Where(f => f.UserId == userId && f.State == TotpFactorState.Active).ExecuteDeleteAsync(http.RequestAborted);
        var activated = await db.TotpFactors
            .Where(f => f.Id == factorId && f.State == TotpFactorState.Pending && f.LastAcceptedStep < step.Value)
            .ExecuteUpdateAsync(f => f
                .SetProperty(x => x.State, TotpFactorState.Active)
                .SetProperty(x => x.ExpiresAt, (DateTimeOffset?)null)
                .SetProperty(x => x.ConfirmedAt, now)
                .SetProperty(x => x.LastUsedAt, now)
                .SetProperty(x => x.LastAcceptedStep, step.Value), http.RequestAborted);
        if (activated != 1)
        {
            // Another request confirmed it first: this one changes nothing.
            await transaction.RollbackAsync(http.RequestAborted);
            LogRefused(logger, userId, TotpResult.AlreadyConfirmed);
            return TotpResult.AlreadyConfirmed;
        }

        await ResetFailuresAsync(userId, http.RequestAborted);
        if (replaced > 0)
        {
            // A new authenticator ends every other session and what apps hold (ASVS 5 7.4.3): when
            // the real person takes their account back this way, whoever replaced it before loses
            // everything at once. This login goes on to a new session of its own.
            await everySession.EndAsync(userId, http.RequestAborted);
        }

        await transaction.CommitAsync(http.RequestAborted);
        await audit.WriteAsync(replaced > 0 ? AuditEventTypes.TotpReplaced : AuditEventTypes.TotpEnrolled, userId, new(http.Connection.RemoteIpAddress), clientId, cancellationToken: http.RequestAborted);
        LogEnrolled(logger, userId, replaced > 0);
        metrics.AuthenticatorConfirmed(replaced > 0);
        return TotpResult.Accepted;
    }

    /// <summary>
    /// A confirmation whose factor is not pending and live: confirmed already (by this factor, or,
    /// from a tab showing a replaced QR code, a new authenticator confirmed within the enrollment
    /// lifetime), expired, or unknown (a new QR code is shown in both cases).
    /// </summary>
    private async Task<TotpResult> WhyNotPendingAsync(string userId, Guid factorId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var factors = await db.TotpFactors.AsNoTracking().Where(f => f.UserId == userId)
            .Select(f => new { f.Id, f.State, f.ConfirmedAt }).ToListAsync(cancellationToken);
        var active = factors.SingleOrDefault(f => f.State == TotpFactorState.Active);
        if (active is not null && (active.Id == factorId || active.ConfirmedAt > now - Settings.PendingEnrollmentLifetime))
        {
            return TotpResult.AlreadyConfirmed;
        }

        return factors.Any(f => f.Id == factorId) ? TotpResult.Expired : TotpResult.NoAuthenticator;
    }

    /// <param name="forLogin">The session's start follows (<see cref="VerifyForLoginAsync"/>): the person is read
    /// with the factor and left tracked, and a right code's failure reset is left to the session's save.</param>
    private async Task<TotpResult> VerifyCoreAsync(string userId, string code, HttpContext http, string? clientId, bool forLogin)
    {
        var now = time.GetUtcNow();
        var factor = forLogin
            ? await ReadWithPersonAsync(userId, http.RequestAborted)
            : await db.TotpFactors.AsNoTracking()
                .Where(f => f.UserId == userId && f.State == TotpFactorState.Active)
                .Select(f => new ActiveFactor(f.Id, f.UserId, f.SecretProtected))
                .SingleOrDefaultAsync(http.RequestAborted);
        if (factor is null)
        {
            await audit.WriteAsync(AuditEventTypes.TotpNoAuthenticator, userId, new(http.Connection.RemoteIpAddress), clientId, cancellationToken: http.RequestAborted);
            LogRefused(logger, userId, TotpResult.NoAuthenticator);
            return TotpResult.NoAuthenticator;
        }

        // The attempt is counted before the code is looked at, so racing guesses cannot all be
        // compared while the lockout is still being written: at most MaxFailedAttempts comparisons
        // per lockout period, whatever the concurrency. During a lockout, or after the stop, even
        // the right code fails (never compared).
        if (!await ReserveAttemptAsync(userId, now, http.RequestAborted))
        {
            await audit.WriteAsync(AuditEventTypes.TotpRefusedLocked, userId, new(http.Connection.RemoteIpAddress), clientId, cancellationToken: http.RequestAborted);
            LogRefused(logger, userId, TotpResult.LockedOut);
            return TotpResult.LockedOut;
        }

        var step = Match(Secret(factor), code, now);
        if (step is null)
        {
            return await FailedAsync(userId, now, http, clientId);
        }

        // The single point where a code is spent: only one request can move the step forward.
        var accepted = await db.TotpFactors
            .Where(f => f.Id == factor.Id && f.State == TotpFactorState.Active && f.LastAcceptedStep < step.Value)
            .ExecuteUpdateAsync(f => f
                .SetProperty(x => x.LastAcceptedStep, step.Value)
                .SetProperty(x => x.LastUsedAt, now), http.RequestAborted);
        if (accepted != 1)
        {
            // A replayed code stays counted as a failed attempt.
            await audit.WriteAsync(AuditEventTypes.TotpReuseAttempted, userId, new(http.Connection.RemoteIpAddress), clientId, cancellationToken: http.RequestAborted);
            LogRefused(logger, userId, TotpResult.Reused);
            return TotpResult.Reused;
        }

        if (!forLogin)
        {
            await ResetFailuresAsync(userId, http.RequestAborted);
        }

        return TotpResult.Accepted;
    }

    private long? Match(byte[] secret, string code, DateTimeOffset now) =>
        TotpCode.MatchingStep(secret, code.Trim().Replace(" ", "", StringComparison.Ordinal), now, Settings.PeriodSeconds, Settings.Digits, Settings.AllowedDriftSteps);

    /// <summary>
    /// The active factor and, tracked, its person: for a login, whose session starts from that row
    /// (<see cref="VerifyForLoginAsync"/>). Only the person is tracked; the factor's columns come as
    /// plain values, so the step spent below by a conditional UPDATE leaves no stale copy behind.
    /// </summary>
    private async Task<ActiveFactor?> ReadWithPersonAsync(string userId, CancellationToken cancellationToken)
    {
        var row = await FactorWithPerson.For(db)(db, userId, cancellationToken);
        return row is null ? null : new ActiveFactor(row.Id, row.UserId, row.SecretProtected);
    }

    // Compiled once: EF Core's per-call evaluation and cache look-up of a LINQ query was about 4 % of a
    // whole login's CPU over its queries (docs/performance.md, "Session 12").
    private static readonly PerModel<Func<IdpDbContext, string, CancellationToken, Task<FactorAndPerson?>>> FactorWithPerson = new(() =>
        EF.CompileAsyncQuery((IdpDbContext db, string userId, CancellationToken cancellationToken) =>
            (from f in db.TotpFactors
             where f.UserId == userId && f.State == TotpFactorState.Active
             join u in db.Users on f.UserId equals u.Id
             select new FactorAndPerson(f.Id, f.UserId, f.SecretProtected, u))
            .AsTracking()
            .SingleOrDefault()));

    /// <summary>What checking a code needs of the active factor.</summary>
    private sealed record ActiveFactor(Guid Id, string UserId, string SecretProtected);

    /// <summary>The active factor's columns and its person (tracked).</summary>
    private sealed record FactorAndPerson(Guid Id, string UserId, string SecretProtected, IdpUser Person);

    /// <summary>
    /// Counts one attempt, in one conditional UPDATE, only while the person is not locked out and
    /// below <see cref="TotpOptions.MaxConsecutiveFailures"/>. The attempt that fills a round of
    /// <see cref="TotpOptions.MaxFailedAttempts"/> sets the lockout itself (before its code is
    /// compared; a right code then lifts it), so no other request gets in between. The count is
    /// never restarted by a lockout: only a right code, support's unlock or a new authenticator
    /// reset it (NIST 800-63B 5.2.2: at most 100 consecutive failed attempts).
    /// </summary>
    private async Task<bool> ReserveAttemptAsync(string userId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var perRound = Settings.MaxFailedAttempts;
        var stop = Settings.MaxConsecutiveFailures;
        var until = LockoutEnds(now);
        var reserved = await db.Users
            .Where(u => u.Id == userId && (u.TotpLockedUntil == null || u.TotpLockedUntil <= now) && u.TotpFailedAttempts < stop)
            .ExecuteUpdateAsync(u => u
                .SetProperty(x => x.TotpFailedAttempts, x => x.TotpFailedAttempts + 1)
                // The k-th lockout lasts until[k - 1]: the duration doubles per lockout (a fixed
                // shape, so the statement is compiled once; its values are parameters).
                .SetProperty(x => x.TotpLockedUntil, x =>
                    (x.TotpFailedAttempts + 1) % perRound != 0 ? x.TotpLockedUntil
                    : (x.TotpFailedAttempts + 1) / perRound == 1 ? until[0]
                    : (x.TotpFailedAttempts + 1) / perRound == 2 ? until[1]
                    : (x.TotpFailedAttempts + 1) / perRound == 3 ? until[2]
                    : (x.TotpFailedAttempts + 1) / perRound == 4 ? until[3]
                    : (x.TotpFailedAttempts + 1) / perRound == 5 ? until[4]
                    : (x.TotpFailedAttempts + 1) / perRound == 6 ? until[5]
                    : (x.TotpFailedAttempts + 1) / perRound == 7 ? until[6]
                    : (x.TotpFailedAttempts + 1) / perRound == 8 ? until[7]
                    : until[8]), cancellationToken);
        return reserved == 1;
    }

    /// <summary>When the k-th lockout (index k - 1) starting now ends: LockoutDuration doubled per lockout, at most MaxLockoutDuration.</summary>
    internal DateTimeOffset?[] LockoutEnds(DateTimeOffset now) =>
        [.. Enumerable.Range(0, LockoutSteps).Select(k => (DateTimeOffset?)(now + LockoutLength(k + 1)))];

    /// <summary>How long the n-th lockout (1-based) lasts.</summary>
    internal TimeSpan LockoutLength(int lockout)
    {
        var doubled = Settings.LockoutDuration * Math.Pow(2, Math.Clamp(lockout, 1, LockoutSteps) - 1);
        return doubled < Settings.MaxLockoutDuration ? doubled : Settings.MaxLockoutDuration;
    }

    /// <summary>Lockouts whose length differs (8 doublings); later ones are as long as the last.</summary>
    internal const int LockoutSteps = 9;

    private async Task<TotpResult> FailedAsync(string userId, DateTimeOffset now, HttpContext http, string? clientId)
    {
        // Not a login's hot path: read back what this attempt (or one racing it) left.
        var state = await db.Users.AsNoTracking().Where(u => u.Id == userId)
            .Select(u => new { u.TotpFailedAttempts, u.TotpLockedUntil }).SingleAsync(http.RequestAborted);
        if (state.TotpFailedAttempts >= Settings.MaxConsecutiveFailures)
        {
            await audit.WriteAsync(AuditEventTypes.TotpLockedOut, userId, new(http.Connection.RemoteIpAddress), clientId, reason: "stopped: support must unlock, or a new authenticator be set up", cancellationToken: http.RequestAborted);
            LogStopped(logger, userId, state.TotpFailedAttempts);
            return TotpResult.LockedOut;
        }

        if (state.TotpLockedUntil > now)
        {
            await audit.WriteAsync(AuditEventTypes.TotpLockedOut, userId, new(http.Connection.RemoteIpAddress), clientId, reason: $"until {state.TotpLockedUntil:O}", cancellationToken: http.RequestAborted);
            LogRefused(logger, userId, TotpResult.LockedOut);
            return TotpResult.LockedOut;
        }

        await audit.WriteAsync(AuditEventTypes.TotpWrongCode, userId, new(http.Connection.RemoteIpAddress), clientId, cancellationToken: http.RequestAborted);
        LogRefused(logger, userId, TotpResult.WrongCode);
        return TotpResult.WrongCode;
    }

    private async Task ResetFailuresAsync(string userId, CancellationToken cancellationToken) =>
        await db.Users.Where(u => u.Id == userId && (u.TotpFailedAttempts != 0 || u.TotpLockedUntil != null))
            .ExecuteUpdateAsync(u => u.SetProperty(x => x.TotpFailedAttempts, 0).SetProperty(x => x.TotpLockedUntil, (DateTimeOffset?)null), cancellationToken);

    private byte[] Secret(TotpFactor factor) => Secret(factor.UserId, factor.SecretProtected);

    private byte[] Secret(ActiveFactor factor) => Secret(factor.UserId, factor.SecretProtected);

    private byte[] Secret(string userId, string secretProtected) => Convert.FromBase64String(Protector(userId).Unprotect(secretProtected));

    // The purpose names the user: a secret copied onto another person's row cannot be decrypted there.
    private IDataProtector Protector(string userId) => dataProtection.CreateProtector("Educloud.Idp.Totp.v1", userId);

    [LoggerMessage(EventId = 4001, Level = LogLevel.Information, Message = "Authenticator confirmed for user {UserId} (replaced an old one: {Replaced})")]
    private static partial void LogEnrolled(ILogger logger, string userId, bool replaced);

    [LoggerMessage(EventId = 4002, Level = LogLevel.Warning, Message = "One-time code refused for user {UserId}: {Reason}")]
    private static partial void LogRefused(ILogger logger, string userId, TotpResult reason);

    [LoggerMessage(EventId = 4003, Level = LogLevel.Warning, Message = "One-time codes stopped for user {UserId} after {Failures} consecutive wrong codes: support must unlock, or a new authenticator be set up")]
    private static partial void LogStopped(ILogger logger, string userId, int failures);
}
