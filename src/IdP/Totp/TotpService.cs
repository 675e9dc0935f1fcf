using Educloud.Idp.Data;
using Educloud.Idp.Hosting;
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
}

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
    ILogger<TotpService> logger)
{
    private TotpOptions Settings => options.Value;

    public Task<bool> HasActiveAsync(string userId, CancellationToken cancellationToken) =>
        db.TotpFactors.AnyAsync(f => f.UserId == userId && f.State == TotpFactorState.Active, cancellationToken);

    /// <summary>Starts (or restarts) setting up a new authenticator. The active one keeps working until this one is confirmed.</summary>
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
        return new PendingEnrollment(factor.Id, secret, factor.ExpiresAt.Value);
    }

    /// <summary>The pending enrollment, while it has not expired (to show the QR code again).</summary>
    public async Task<PendingEnrollment?> FindPendingAsync(string userId, Guid factorId, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var factor = await db.TotpFactors.AsNoTracking().SingleOrDefaultAsync(
            f => f.Id == factorId && f.UserId == userId && f.State == TotpFactorState.Pending && f.ExpiresAt > now, cancellationToken);
        return factor is null ? null : new PendingEnrollment(factor.Id, Secret(factor), factor.ExpiresAt!.Value);
    }

    /// <summary>
    /// Confirms a pending authenticator with a code from it. On success it replaces the old one in
    /// one transaction: from then on only codes from the new one work.
    /// </summary>
    public async Task<TotpResult> ConfirmEnrollmentAsync(string userId, Guid factorId, string code, HttpContext http, string? clientId) =>
        metrics.CodeChecked(await ConfirmEnrollmentCoreAsync(userId, factorId, code, http, clientId));

    /// <summary>Checks a code from the person's active authenticator, once.</summary>
    public async Task<TotpResult> VerifyAsync(string userId, string code, HttpContext http, string? clientId) =>
        metrics.CodeChecked(await VerifyCoreAsync(userId, code, http, clientId));

    private async Task<TotpResult> ConfirmEnrollmentCoreAsync(string userId, Guid factorId, string code, HttpContext http, string? clientId)
    {
        var now = time.GetUtcNow();
        if (await LockedOutAsync(userId, now, http.RequestAborted))
        {
            LogRefused(logger, userId, TotpResult.LockedOut);
            return TotpResult.LockedOut;
        }

        var pending = await db.TotpFactors.AsNoTracking().SingleOrDefaultAsync(
            f => f.Id == factorId && f.UserId == userId && f.State == TotpFactorState.Pending && f.ExpiresAt > now, http.RequestAborted);
        if (pending is null)
        {
            LogRefused(logger, userId, TotpResult.NoAuthenticator);
            return TotpResult.NoAuthenticator;
        }

        var step = Match(Secret(pending), code, now);
        if (step is null)
        {
            return await FailAsync(userId, now, http, clientId);
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
            return TotpResult.Reused;
        }

        await ResetFailuresAsync(userId, http.RequestAborted);
        await transaction.CommitAsync(http.RequestAborted);
        await audit.WriteAsync(replaced > 0 ? AuditEventTypes.TotpReplaced : AuditEventTypes.TotpEnrolled, userId, http, clientId);
        LogEnrolled(logger, userId, replaced > 0);
        metrics.AuthenticatorConfirmed(replaced > 0);
        return TotpResult.Accepted;
    }

    private async Task<TotpResult> VerifyCoreAsync(string userId, string code, HttpContext http, string? clientId)
    {
        var now = time.GetUtcNow();

        // The factor and the person's lockout state in one read (a login's hot path).
        var found = await db.TotpFactors.AsNoTracking()
            .Where(f => f.UserId == userId && f.State == TotpFactorState.Active)
            .Join(db.Users, f => f.UserId, u => u.Id, (f, u) => new { Factor = f, u.TotpLockedUntil, u.TotpFailedAttempts })
            .SingleOrDefaultAsync(http.RequestAborted);
        if (found is null)
        {
            LogRefused(logger, userId, TotpResult.NoAuthenticator);
            return TotpResult.NoAuthenticator;
        }

        // During a lockout even the right code fails (checked before the code is looked at).
        if (found.TotpLockedUntil > now)
        {
            LogRefused(logger, userId, TotpResult.LockedOut);
            return TotpResult.LockedOut;
        }

        var step = Match(Secret(found.Factor), code, now);
        if (step is null)
        {
            return await FailAsync(userId, now, http, clientId);
        }

        // The single point where a code is spent: only one request can move the step forward.
        var accepted = await db.TotpFactors
            .Where(f => f.Id == found.Factor.Id && f.State == TotpFactorState.Active && f.LastAcceptedStep < step.Value)
            .ExecuteUpdateAsync(f => f
                .SetProperty(x => x.LastAcceptedStep, step.Value)
                .SetProperty(x => x.LastUsedAt, now), http.RequestAborted);
        if (accepted != 1)
        {
            await audit.WriteAsync(AuditEventTypes.TotpReuseAttempted, userId, http, clientId);
            LogRefused(logger, userId, TotpResult.Reused);
            return TotpResult.Reused;
        }

        // Most logins follow no failure: skip the UPDATE then. A wrong code racing this one may
        // stay counted; it was typed either way.
        if (found.TotpFailedAttempts != 0 || found.TotpLockedUntil is not null)
        {
            await ResetFailuresAsync(userId, http.RequestAborted);
        }

        return TotpResult.Accepted;
    }

    private long? Match(byte[] secret, string code, DateTimeOffset now) =>
        TotpCode.MatchingStep(secret, code.Trim().Replace(" ", "", StringComparison.Ordinal), now, Settings.PeriodSeconds, Settings.Digits, Settings.AllowedDriftSteps);

    private async Task<bool> LockedOutAsync(string userId, DateTimeOffset now, CancellationToken cancellationToken) =>
        await db.Users.AnyAsync(u => u.Id == userId && u.TotpLockedUntil != null && u.TotpLockedUntil > now, cancellationToken);

    private async Task<TotpResult> FailAsync(string userId, DateTimeOffset now, HttpContext http, string? clientId)
    {
        // Count and lock in one statement, so racing wrong guesses cannot slip past the limit.
        var max = Settings.MaxFailedAttempts;
        var until = now + Settings.LockoutDuration;
        await db.Users.Where(u => u.Id == userId).ExecuteUpdateAsync(u => u
            .SetProperty(x => x.TotpFailedAttempts, x => x.TotpFailedAttempts + 1)
            .SetProperty(x => x.TotpLockedUntil, x => x.TotpFailedAttempts + 1 >= max ? until : x.TotpLockedUntil), http.RequestAborted);
        var lockedNow = await db.Users.AsNoTracking().Where(u => u.Id == userId)
            .Select(u => u.TotpFailedAttempts >= max).SingleAsync(http.RequestAborted);
        if (lockedNow)
        {
            await db.Users.Where(u => u.Id == userId).ExecuteUpdateAsync(u => u.SetProperty(x => x.TotpFailedAttempts, 0), http.RequestAborted);
            await audit.WriteAsync(AuditEventTypes.TotpLockedOut, userId, http, clientId);
            LogRefused(logger, userId, TotpResult.LockedOut);
            return TotpResult.LockedOut;
        }

        await audit.WriteAsync(AuditEventTypes.TotpWrongCode, userId, http, clientId);
        LogRefused(logger, userId, TotpResult.WrongCode);
        return TotpResult.WrongCode;
    }

    private async Task ResetFailuresAsync(string userId, CancellationToken cancellationToken) =>
        await db.Users.Where(u => u.Id == userId && (u.TotpFailedAttempts != 0 || u.TotpLockedUntil != null))
            .ExecuteUpdateAsync(u => u.SetProperty(x => x.TotpFailedAttempts, 0).SetProperty(x => x.TotpLockedUntil, (DateTimeOffset?)null), cancellationToken);

    private byte[] Secret(TotpFactor factor) => Convert.FromBase64String(Protector(factor.UserId).Unprotect(factor.SecretProtected));

    // The purpose names the user: a secret copied onto another person's row cannot be decrypted there.
    private IDataProtector Protector(string userId) => dataProtection.CreateProtector("Educloud.Idp.Totp.v1", userId);

    [LoggerMessage(EventId = 4001, Level = LogLevel.Information, Message = "Authenticator confirmed for user {UserId} (replaced an old one: {Replaced})")]
    private static partial void LogEnrolled(ILogger logger, string userId, bool replaced);

    [LoggerMessage(EventId = 4002, Level = LogLevel.Warning, Message = "One-time code refused for user {UserId}: {Reason}")]
    private static partial void LogRefused(ILogger logger, string userId, TotpResult reason);
}
