using System.Security.Claims;
using OpenIddict.Abstractions;
using OpenIddict.Server;
using static OpenIddict.Abstractions.OpenIddictConstants;
using static OpenIddict.Server.OpenIddictServerEvents;

namespace Educloud.Idp.Connect;

/// <summary>
/// Who may introspect or revoke a token. Introspection answers only to the token's audience (the API
/// it is for) or its owner (the client it was issued to, OpenIddict's "presenter"); revocation only
/// to its owner (RFC 7009 2.1: the server verifies that the token was issued to the client asking).
/// Anyone else learns nothing and changes nothing: <c>active: false</c> (RFC 7662 2.2) and a 200
/// that revokes nothing (RFC 7009 2.2), the answers for a token that does not exist.
/// </summary>
/// <remarks>
/// OpenIddict 7.8.0 (OpenIddictServerHandlers.Introspection/Revocation.ValidateAuthorizedParty)
/// already lets only the audience or the presenter introspect an access token, but it skips the check
/// when the token has no audience or no presenter (the hole before every token had an audience;
/// tokens issued before this change still lack it), and at revocation it lets the audience revoke
/// too. This rule runs right after it and closes both: no claim, no access.
/// </remarks>
public static partial class TokenCallerRule
{
    // Each runs right after OpenIddict's own check of the caller (ValidateAuthorizedParty).
    public static OpenIddictServerBuilder EnforceTokenCallers(this OpenIddictServerBuilder options) => options
        .AddEventHandler(IntrospectionHandler.Descriptor)
        .AddEventHandler(RevocationHandler.Descriptor);

    /// <summary>At the introspection endpoint: the token's audience or owner.</summary>
    public sealed class IntrospectionHandler(ILoggerFactory loggers) : IOpenIddictServerHandler<ValidateIntrospectionRequestContext>
    {
        public static OpenIddictServerHandlerDescriptor Descriptor { get; } = OpenIddictServerHandlerDescriptor.CreateBuilder<ValidateIntrospectionRequestContext>()
            .UseSingletonHandler<IntrospectionHandler>()
            .SetOrder(OpenIddictServerHandlers.Introspection.ValidateAuthorizedParty.Descriptor.Order + 1)
            .SetType(OpenIddictServerHandlerType.Custom)
            .Build();

        public ValueTask HandleAsync(ValidateIntrospectionRequestContext context) =>
            Check(context, loggers, context.GenericTokenPrincipal, MayIntrospect(context.GenericTokenPrincipal, context.ClientId));
    }

    /// <summary>At the revocation endpoint: the token's owner only.</summary>
    public sealed class RevocationHandler(ILoggerFactory loggers) : IOpenIddictServerHandler<ValidateRevocationRequestContext>
    {
        public static OpenIddictServerHandlerDescriptor Descriptor { get; } = OpenIddictServerHandlerDescriptor.CreateBuilder<ValidateRevocationRequestContext>()
            .UseSingletonHandler<RevocationHandler>()
            .SetOrder(OpenIddictServerHandlers.Revocation.ValidateAuthorizedParty.Descriptor.Order + 1)
            .SetType(OpenIddictServerHandlerType.Custom)
            .Build();

        public ValueTask HandleAsync(ValidateRevocationRequestContext context) =>
            Check(context, loggers, context.GenericTokenPrincipal, MayRevoke(context.GenericTokenPrincipal, context.ClientId));
    }

    /// <summary>Access tokens: their audience or their owner. Refresh tokens: their owner only.</summary>
    public static bool MayIntrospect(ClaimsPrincipal? token, string? clientId) =>
        token is not null && !string.IsNullOrEmpty(clientId)
        && (token.HasPresenter(clientId) || (token.HasTokenType(TokenTypeIdentifiers.AccessToken) && token.HasAudience(clientId)));

    /// <summary>Only the client the token was issued to (RFC 7009 2.1); an API (audience) may not end an app's token.</summary>
    public static bool MayRevoke(ClaimsPrincipal? token, string? clientId) =>
        token is not null && !string.IsNullOrEmpty(clientId) && token.HasPresenter(clientId);

    private static ValueTask Check(BaseValidatingContext context, ILoggerFactory loggers, ClaimsPrincipal? token, bool allowed)
    {
        if (!allowed && token is not null)
        {
            LogRefused(loggers.CreateLogger(typeof(TokenCallerRule)), context.Transaction.Request?.ClientId ?? "?", context.EndpointType.ToString());
            // invalid_token: OpenIddict answers it as it answers an unknown token (NormalizeErrorResponse).
            context.Reject(Errors.InvalidToken, "The token is not valid for this client.");
        }

        return ValueTask.CompletedTask;
    }

    [LoggerMessage(EventId = 1201, Level = LogLevel.Warning, Message = "Client {ClientId} was refused at the {Endpoint} endpoint: the token is neither its own nor meant for it")]
    private static partial void LogRefused(ILogger logger, string clientId, string endpoint);
}
