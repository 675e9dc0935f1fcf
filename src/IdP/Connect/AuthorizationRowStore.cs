using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;
using OpenIddict.EntityFrameworkCore;
using OpenIddict.EntityFrameworkCore.Models;

namespace Educloud.Idp.Connect;

/// <summary>
/// OpenIddict's authorization store, except that the login's authorization, made while a sign-in is
/// processed at the authorization endpoint, is saved with the code that belongs to it: one round trip
/// instead of two (<see cref="SignInWrites"/>). Every other authorization is saved at once, as before.
/// </summary>
public sealed class AuthorizationRowStore(IMemoryCache cache, IOpenIddictEntityFrameworkCoreContext context, IOptionsMonitor<OpenIddictEntityFrameworkCoreOptions> options, SignInWrites signIn)
    : OpenIddictEntityFrameworkCoreAuthorizationStore(cache, context, options)
{
    public override async ValueTask CreateAsync(OpenIddictEntityFrameworkCoreAuthorization authorization, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(authorization);
        if (signIn.Open)
        {
            (await Context.GetDbContextAsync(cancellationToken)).Add(authorization);
            return;
        }

        await base.CreateAsync(authorization, cancellationToken);
    }
}
