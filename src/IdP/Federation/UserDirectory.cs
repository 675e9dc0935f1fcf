using Educloud.Idp.Data;
using Educloud.Idp.Settings;
using Educloud.Idp.Totp;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Educloud.Idp.Federation;

/// <summary>Finds (and where allowed, creates) the local user behind an ID-porten login.</summary>
public sealed partial class UserDirectory(
    IdpDbContext db,
    PidProtector pids,
    TimeProvider time,
    IOptions<IdPortenOptions> options,
    ILogger<UserDirectory> logger)
{
    // Once per login; compiled once rather than evaluated and looked up in EF Core's query cache each
    // time (docs/performance.md, "Session 12").
    private static readonly PerModel<Func<IdpDbContext, string, CancellationToken, Task<FoundUser?>>> ByPidHash = new(() =>
        EF.CompileAsyncQuery((IdpDbContext db, string hash, CancellationToken cancellationToken) =>
            db.Users.AsTracking().Where(u => u.PidHash == hash)
                .Select(u => new FoundUser(u, db.TotpFactors.Any(f => f.UserId == u.Id && f.State == TotpFactorState.Active)))
                .SingleOrDefault()));

    /// <summary>
    /// The person behind <paramref name="pid"/> (tracked), created on a first login where that is
    /// allowed, and whether they have an active authenticator: asked in the same query, since the
    /// login goes on to the code page or the enrollment by it (one round trip fewer per login).
    /// </summary>
    public async Task<FoundUser?> FindOrProvisionAsync(string pid, CancellationToken cancellationToken)
    {
        var hash = pids.LookupHash(pid);
        var found = await ByPidHash.For(db)(db, hash, cancellationToken);
        if (found is not null || !options.Value.AutoProvisionUsers)
        {
            return found;
        }

        var id = Guid.NewGuid().ToString();
        var user = new IdpUser
        {
            Id = id,
            // People from ID-porten never type a username; this one is only shown to support.
            UserName = "idporten-" + id[..8],
            PidHash = hash,
            PidProtected = pids.Protect(pid),
            CreatedAt = time.GetUtcNow(),
            SecurityStamp = Guid.NewGuid().ToString(),
        };
        user.NormalizedUserName = user.UserName.ToUpperInvariant();
        db.Users.Add(user);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException)
        {
            // Two first logins of the same person raced; the unique index on PidHash let one win.
            db.Entry(user).State = EntityState.Detached;
            return await db.Users.SingleOrDefaultAsync(u => u.PidHash == hash, cancellationToken) is { } winner
                ? new FoundUser(winner, HasActiveFactor: null)
                : null;
        }

        LogProvisioned(logger, user.Id);
        return new FoundUser(user, HasActiveFactor: false);
    }

    [LoggerMessage(EventId = 2010, Level = LogLevel.Information, Message = "Created user {UserId} on first ID-porten login")]
    private static partial void LogProvisioned(ILogger logger, string userId);
}

/// <summary>A person found by pid, and whether they have an active authenticator (null: not asked).</summary>
public sealed record FoundUser(IdpUser User, bool? HasActiveFactor);
