using OpenIddict.Server;
using static OpenIddict.Abstractions.OpenIddictConstants;
using static OpenIddict.Server.OpenIddictServerEvents;
using static OpenIddict.Server.OpenIddictServerHandlers.Protection;

namespace Educloud.Idp.Connect;

/// <summary>
/// Identity tokens get no row in the token table. OpenIddict stores every token it issues; a row
/// for an id_token is never read: nobody presents an id_token to be redeemed, introspected or
/// revoked (OpenIddict's introspection and revocation take access and refresh tokens only), and
/// at end session an id_token_hint without a row is still checked for signature, issuer and
/// audience. Codes, access and refresh tokens keep their rows: those are what revocation,
/// introspection and reuse detection (RFC 9700 4.14.2) stand on. One write less per login and
/// per refresh grant (docs/performance.md).
/// </summary>
public static class IdentityTokenStorage
{
    public static OpenIddictServerBuilder DoNotStoreIdentityTokens(this OpenIddictServerBuilder options) =>
        options.AddEventHandler(SkipIdentityTokenEntry.Descriptor);

    /// <summary>Turns the row (and its payload) off for an identity token.</summary>
    public sealed class SkipIdentityTokenEntry : IOpenIddictServerHandler<GenerateTokenContext>
    {
        // Before OpenIddict creates the row; its filter reads CreateTokenEntry when it runs.
        public static OpenIddictServerHandlerDescriptor Descriptor { get; } = OpenIddictServerHandlerDescriptor.CreateBuilder<GenerateTokenContext>()
            .UseSingletonHandler<SkipIdentityTokenEntry>()
            .SetOrder(CreateTokenEntry.Descriptor.Order - 500)
            .SetType(OpenIddictServerHandlerType.Custom)
            .Build();

        public ValueTask HandleAsync(GenerateTokenContext context)
        {
            if (context.TokenType == TokenTypeIdentifiers.IdentityToken)
            {
                context.CreateTokenEntry = false;
                context.PersistTokenPayload = false;
            }

            return ValueTask.CompletedTask;
        }
    }
}
