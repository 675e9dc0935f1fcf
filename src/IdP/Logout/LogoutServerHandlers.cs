using Educloud.Idp.Connect;
using Educloud.Idp.Data;
using Microsoft.EntityFrameworkCore;
using OpenIddict.Abstractions;
using OpenIddict.EntityFrameworkCore.Models;
using OpenIddict.Server;
using static OpenIddict.Abstractions.OpenIddictConstants;
using static OpenIddict.Server.OpenIddictServerEvents;

namespace Educloud.Idp.Logout;

/// <summary>
/// Back-channel logout in OpenIddict's pipeline: discovery says it is supported (OIDC Back-Channel
/// Logout 1.0, section 2.1), and every code the authorization endpoint issues is recorded with its
/// session (<see cref="SessionApp"/>), which says whom to tell and which authorization to revoke
/// when the session ends.
/// </summary>
public static class LogoutServerHandlers
{
    public static OpenIddictServerBuilder AddBackChannelLogout(this OpenIddictServerBuilder options) => options
        .AddEventHandler<HandleConfigurationRequestContext>(handler => handler
            .UseSingletonHandler<AdvertiseBackChannelLogout>()
            .SetOrder(OpenIddictServerHandlers.Discovery.AttachAdditionalMetadata.Descriptor.Order + 1))
        .AddEventHandler<ProcessSignInContext>(handler => handler
            .UseScopedHandler<RecordSessionApp>()
            .SetOrder(OpenIddictServerHandlers.AttachAuthorization.Descriptor.Order + 1));

    internal sealed class AdvertiseBackChannelLogout : IOpenIddictServerHandler<HandleConfigurationRequestContext>
    {
        public ValueTask HandleAsync(HandleConfigurationRequestContext context)
        {
            context.Metadata["backchannel_logout_supported"] = true;
            // Every logout token carries the sid (section 2.4), which every id_token carries too (IdpClaims).
            context.Metadata["backchannel_logout_session_supported"] = true;
            return ValueTask.CompletedTask;
        }
    }

    /// <summary>
    /// After OpenIddict made the login's (ad-hoc) authorization: one <see cref="SessionApp"/> row, added
    /// only if the session is still live (one statement). A session that ended between the cookie's
    /// check and this row (a logout on another tab, support) gets no row; the authorization is revoked
    /// here instead, and the code it is about to issue is refused at the token endpoint.
    /// </summary>
    internal sealed class RecordSessionApp(IdpDbContext db, TimeProvider time, LogoutIssuer issuer) : IOpenIddictServerHandler<ProcessSignInContext>
    {
        public async ValueTask HandleAsync(ProcessSignInContext context)
        {
            if (context.EndpointType != OpenIddictServerEndpointType.Authorization || context.Principal is not { } principal)
            {
                return;
            }

            issuer.Seen(context.Options.Issuer ?? context.BaseUri);
            var authorizationId = principal.GetAuthorizationId();
            var sessionId = principal.GetClaim(IdpClaimTypes.SessionId);
            var clientId = context.Request.ClientId;
            if (string.IsNullOrEmpty(authorizationId) || string.IsNullOrEmpty(sessionId) || string.IsNullOrEmpty(clientId))
            {
                return;
            }

            var row = new SessionApp { AuthorizationId = authorizationId, SessionId = sessionId, ClientId = clientId, IssuedAt = time.GetUtcNow() };
            if (await SessionAppRows.AddIfSessionLiveAsync(db, row, context.CancellationToken) == 0)
            {
                // The authorization is not written yet (SignInWrites): revoked before it is.
                var unsaved = db.Set<OpenIddictEntityFrameworkCoreAuthorization>().Local.FindEntry(authorizationId);
                if (unsaved is { State: EntityState.Added })
                {
                    unsaved.Entity.Status = Statuses.Revoked;
                    return;
                }

                await db.Set<OpenIddictEntityFrameworkCoreAuthorization>().Where(a => a.Id == authorizationId)
                    .ExecuteUpdateAsync(a => a.SetProperty(x => x.Status, Statuses.Revoked), context.CancellationToken);
            }
        }
    }
}
