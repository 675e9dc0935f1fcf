using Educloud.Idp.Data;
using Microsoft.EntityFrameworkCore;
using OpenIddict.Abstractions;

namespace Educloud.Idp.Sessions;

/// <summary>
/// Ends every IdP session of a person and revokes what apps hold for them (tokens and
/// authorizations), at once on every replica: the rows decide. Used when support revokes the
/// authenticator or ends sessions, and when the person replaces their authenticator (ASVS 5 7.4.3:
/// after a factor changes, no other session lives on).
/// </summary>
public sealed class EverySession(
    IdpDbContext db,
    IOpenIddictTokenManager tokens,
    IOpenIddictAuthorizationManager authorizations,
    TimeProvider time)
{
    /// <returns>How many sessions were open.</returns>
    public async Task<int> EndAsync(string userId, CancellationToken cancellationToken)
    {
        var ended = await db.Sessions.Where(s => s.UserId == userId).EndOpenAsync(time.GetUtcNow(), cancellationToken);
        await authorizations.RevokeBySubjectAsync(userId, cancellationToken);
        await tokens.RevokeBySubjectAsync(userId, cancellationToken);
        return ended;
    }
}
