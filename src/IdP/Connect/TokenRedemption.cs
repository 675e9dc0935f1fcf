using Educloud.Idp.Data;
using Microsoft.EntityFrameworkCore;
using OpenIddict.Abstractions;
using OpenIddict.EntityFrameworkCore.Models;
using OpenIddict.Server;
using static OpenIddict.Abstractions.OpenIddictConstants;
using static OpenIddict.Server.OpenIddictServerEvents;

namespace Educloud.Idp.Connect;

/// <summary>
/// An authorization code or refresh token is redeemed once, also when the same one arrives at
/// several requests (or replicas) at the same moment: one conditional UPDATE of its row
/// (valid → redeemed) decides, and every other request gets invalid_grant. Every other
/// presentation is a reuse and revokes the family, including tokens the winner is still issuing
/// (RFC 6749 4.1.2 for codes; RFC 9700 4.14.2, refresh token rotation).
/// </summary>
/// <remarks>
/// <para>
/// This replaces OpenIddict 7.8.0's OpenIddictServerHandlers.RedeemTokenEntry at its place in the
/// pipeline. That handler marks the token redeemed with an optimistic-concurrency update of the
/// whole row but deliberately ignores a lost race for refresh tokens, so that a client sending two
/// refresh requests at once is not logged out: with N requests racing, up to N of them got new
/// tokens (LoginFlowTests: seen 5 of 10, on SQLite and PostgreSQL). Ours is one short statement
/// that cannot lose a race silently; running both cost a second, always failing UPDATE per grant
/// (docs/performance.md, "PostgreSQL").
/// </para>
/// <para>
/// On reuse OpenIddict (ValidateTokenEntry) revokes the tokens of the authorization that exist at
/// that moment, not the authorization. A reuse racing the winner could then run before the winner
/// stored its new tokens, which stayed valid. So a reuse (a redeemed code or refresh token
/// presented, or a lost race) also revokes the authorization: every token of it, also one stored later, is refused
/// from then on (ValidateAuthorizationEntry). Authorizations here are OpenIddict's ad-hoc ones,
/// one per login and app, so this ends exactly that login's family.
/// </para>
/// </remarks>
public static partial class TokenRedemption
{
    public static OpenIddictServerBuilder RedeemTokensOnce(this OpenIddictServerBuilder options) => options
        .RemoveEventHandler(OpenIddictServerHandlers.RedeemTokenEntry.Descriptor)
        .AddEventHandler<ProcessSignInContext>(handler => handler
            .UseScopedHandler<RedeemOnce>()
            .SetOrder(OpenIddictServerHandlers.RedeemTokenEntry.Descriptor.Order))
        .AddEventHandler<ValidateTokenContext>(handler => handler
            .UseScopedHandler<RevokeFamilyOnReuse>()
            .SetOrder(OpenIddictServerHandlers.Protection.ValidateTokenEntry.Descriptor.Order - 1));

    /// <summary>Revokes the authorization (the login's family) and every token of it.</summary>
    private static async Task RevokeFamilyAsync(IdpDbContext db, string authorizationId, CancellationToken cancellationToken)
    {
        await db.Set<OpenIddictEntityFrameworkCoreAuthorization>().Where(a => a.Id == authorizationId)
            .ExecuteUpdateAsync(a => a.SetProperty(x => x.Status, Statuses.Revoked), cancellationToken);
        await db.Set<OpenIddictEntityFrameworkCoreToken>().Where(t => t.Authorization!.Id == authorizationId)
            .ExecuteUpdateAsync(t => t.SetProperty(x => x.Status, Statuses.Revoked), cancellationToken);
    }

    internal sealed class RevokeFamilyOnReuse(IdpDbContext db, IOpenIddictTokenManager tokens) : IOpenIddictServerHandler<ValidateTokenContext>
    {
        public async ValueTask HandleAsync(ValidateTokenContext context)
        {
            // Codes as well as refresh tokens: a code presented while its first redemption is still
            // storing what it issues would otherwise leave those tokens valid (CI saw it on
            // PostgreSQL; LoginFlowTests.CodePresentedWhileItsFirstRedemptionIsStillIssuing...).
            if (string.IsNullOrEmpty(context.TokenId) || string.IsNullOrEmpty(context.AuthorizationId)
                || context.Principal is not { } principal
                || !(principal.HasTokenType(TokenTypeIdentifiers.RefreshToken) || principal.HasTokenType(TokenTypeIdentifiers.Private.AuthorizationCode)))
            {
                return;
            }

            // Through the manager, not a query of our own: OpenIddict's ValidateTokenEntry, right
            // after, asks the manager for the same entry and gets it from the request's entity cache,
            // so a refresh still reads its token row once.
            var token = await tokens.FindByIdAsync(context.TokenId, context.CancellationToken);
            if (token is not null && await tokens.HasStatusAsync(token, Statuses.Redeemed, context.CancellationToken))
            {
                // OpenIddict's own handler then revokes the tokens and refuses the request.
                var kind = principal.HasTokenType(TokenTypeIdentifiers.Private.AuthorizationCode) ? "authorization code" : "refresh token";
                LogReused(context.Logger, kind, principal.GetPresenters().FirstOrDefault() ?? "?");
                await RevokeFamilyAsync(db, context.AuthorizationId, context.CancellationToken);
            }
        }
    }

    internal sealed class RedeemOnce(IdpDbContext db, TimeProvider time) : IOpenIddictServerHandler<ProcessSignInContext>
    {
        public async ValueTask HandleAsync(ProcessSignInContext context)
        {
            if (context.EndpointType is not OpenIddictServerEndpointType.Token)
            {
                return;
            }

            // The device flow is not enabled; its codes would need the same (OidcServerExtensions).
            var authentication = context.Transaction.GetProperty<ProcessAuthenticationContext>(typeof(ProcessAuthenticationContext).FullName!);
            var presented = context.Request.IsAuthorizationCodeGrantType() ? authentication?.AuthorizationCodePrincipal
                : context.Request.IsRefreshTokenGrantType() ? authentication?.RefreshTokenPrincipal
                : null;
            var id = presented?.GetTokenId();
            if (string.IsNullOrEmpty(id))
            {
                return;
            }

            // Plain SQL, the same statement as a LINQ ExecuteUpdate, without EF Core's query pipeline
            // (expression evaluation, cache key, compilation lookup) on every grant: about 3 % of a
            // refresh grant's CPU (docs/performance.md, "Session 10"). Both databases take the quoted
            // names as EF Core's model has them; the values go as parameters.
            var now = time.GetUtcNow().UtcDateTime;
            var redeemed = await db.Database.ExecuteSqlAsync(
                $"""UPDATE "OpenIddictTokens" SET "Status" = {Statuses.Redeemed}, "RedemptionDate" = {now}, "ConcurrencyToken" = {Guid.NewGuid().ToString()} WHERE "Id" = {id} AND "Status" = {Statuses.Valid}""",
                context.CancellationToken);
            if (redeemed != 1)
            {
                var kind = context.Request.IsAuthorizationCodeGrantType() ? "authorization code" : "refresh token";
                LogLostRace(context.Logger, kind, context.ClientId ?? "?");
                if (presented!.GetAuthorizationId() is { Length: > 0 } authorizationId)
                {
                    await RevokeFamilyAsync(db, authorizationId, context.CancellationToken);
                }

                context.Reject(Errors.InvalidGrant, $"The specified {kind} has already been redeemed.");
            }
        }
    }

    [LoggerMessage(EventId = 1202, Level = LogLevel.Warning, Message = "The {TokenKind} presented by client {ClientId} was redeemed by a concurrent request; this one is refused and the login's tokens are revoked")]
    private static partial void LogLostRace(ILogger logger, string tokenKind, string clientId);

    [LoggerMessage(EventId = 1203, Level = LogLevel.Warning, Message = "A redeemed {TokenKind} of client {ClientId} was presented again; the login's tokens are revoked")]
    private static partial void LogReused(ILogger logger, string tokenKind, string clientId);
}
