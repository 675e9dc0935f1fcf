using Educloud.Idp.Data;
using Educloud.Idp.Settings;
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
    public async Task<IdpUser?> FindOrProvisionAsync(string pid, CancellationToken cancellationToken)
    {
        var hash = pids.LookupHash(pid);
        var user = await db.Users.SingleOrDefaultAsync(u => u.PidHash == hash, cancellationToken);
        if (user is not null || !options.Value.AutoProvisionUsers)
        {
            return user;
        }

        var id = Guid.NewGuid().ToString();
        user = new IdpUser
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
            return await db.Users.SingleOrDefaultAsync(u => u.PidHash == hash, cancellationToken);
        }

        LogProvisioned(logger, user.Id);
        return user;
    }

    [LoggerMessage(EventId = 2010, Level = LogLevel.Information, Message = "Created user {UserId} on first ID-porten login")]
    private static partial void LogProvisioned(ILogger logger, string userId);
}
