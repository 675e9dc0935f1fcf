using System.Collections.Immutable;
using Educloud.Idp.Hosting;
using OpenIddict.Abstractions;
using OpenIddict.Server;
using static OpenIddict.Abstractions.OpenIddictConstants;
using static OpenIddict.Server.OpenIddictServerEvents;

namespace Educloud.Idp.Connect;

/// <summary>
/// Rules every request meets before OpenIddict's own checks run.
/// <list type="bullet">
/// <item>No repeated parameters: "Request and response parameters MUST NOT be included more than once"
/// (RFC 6749 3.1). OpenIddict reads a repeated parameter as absent, so <c>prompt=login&amp;prompt=login</c>
/// (or a repeated max_age, state or nonce) would silently lose it, and the app would get a code from the
/// old session without the re-authentication it asked for.</item>
/// <item>No oversized values at the front-channel endpoints (authorize, PAR, end session): their
/// parameters travel on in URLs (the login page's way back, the state sent to ID-porten, the redirect
/// to the app), where anything much larger breaks the flow later instead of failing cleanly now.</item>
/// <item>No control characters (U+0000 to U+001F, U+007F to U+009F) in a name or value: OAuth values
/// are printable ASCII (RFC 6749 Appendix A) and URIs hold none either (RFC 3986). A NUL reached the
/// client and token stores (SQLite), ID-porten's callback and our redirects; refused here, every
/// endpoint answers invalid_request instead (issue 8). Hosting/RequestGuard does the same for every
/// other path.</item>
/// </list>
/// </summary>
public static class ParameterRules
{
    /// <summary>Per value; the ID-porten simulator uses the same limit. Our own id_tokens (id_token_hint) are about 1 KB.</summary>
    public const int MaxFrontChannelValueLength = 4096;

    // The parameters OAuth lets appear more than once (RFC 8707 resource, OpenIddict's audience).
    private static readonly HashSet<string> MayRepeat = new(StringComparer.Ordinal) { Parameters.Resource, Parameters.Audience };

    // Each endpoint's rule runs before the first of OpenIddict's own validation handlers there
    // (ClientAuthenticationRule comes after it, also before them: it orders itself at -1000).
    public static OpenIddictServerBuilder EnforceParameterRules(this OpenIddictServerBuilder options) => options
        .AddEventHandler(Before<ValidateAuthorizationRequestContext>(OpenIddictServerHandlers.Authentication.ValidateRequestParameter.Descriptor, MaxFrontChannelValueLength))
        .AddEventHandler(Before<ValidatePushedAuthorizationRequestContext>(OpenIddictServerHandlers.Authentication.ValidatePushedRequestParameter.Descriptor, MaxFrontChannelValueLength))
        .AddEventHandler(Before<ValidateEndSessionRequestContext>(OpenIddictServerHandlers.Session.ValidateRequestUriParameter.Descriptor, MaxFrontChannelValueLength))
        .AddEventHandler(Before<ValidateTokenRequestContext>(OpenIddictServerHandlers.Exchange.ValidateGrantType.Descriptor, maxLength: null))
        .AddEventHandler(Before<ValidateIntrospectionRequestContext>(OpenIddictServerHandlers.Introspection.ValidateTokenParameter.Descriptor, maxLength: null))
        .AddEventHandler(Before<ValidateRevocationRequestContext>(OpenIddictServerHandlers.Revocation.ValidateTokenParameter.Descriptor, maxLength: null))
        .AddEventHandler(Before<ValidateUserInfoRequestContext>(OpenIddictServerHandlers.UserInfo.ValidateAccessTokenParameter.Descriptor, maxLength: null));

    /// <param name="firstBuiltIn">OpenIddict's first validation handler at the endpoint (in 7.8: int.MinValue + 100 000).</param>
    private static OpenIddictServerHandlerDescriptor Before<TContext>(OpenIddictServerHandlerDescriptor firstBuiltIn, int? maxLength)
        where TContext : BaseValidatingContext =>
        OpenIddictServerHandlerDescriptor.CreateBuilder<TContext>()
            .UseSingletonHandler(new Handler<TContext>(maxLength))
            .SetOrder(firstBuiltIn.Order - 2_000)
            .SetType(OpenIddictServerHandlerType.Custom)
            .Build();

    /// <summary>The rules at one endpoint; <c>maxLength</c> null: no length limit there.</summary>
    public sealed class Handler<TContext>(int? maxLength) : IOpenIddictServerHandler<TContext>
        where TContext : BaseValidatingContext
    {
        public ValueTask HandleAsync(TContext context) => Check(context, maxLength);
    }

    private static ValueTask Check(BaseValidatingContext context, int? maxLength)
    {
        if (context.Transaction.Request is not { } request)
        {
            return ValueTask.CompletedTask;
        }

        foreach (var (name, value) in request.GetParameters())
        {
            var values = (ImmutableArray<string?>?)value ?? [];
            if (RequestGuard.HasControl(name) || values.Any(RequestGuard.HasControl))
            {
                context.Reject(Errors.InvalidRequest, $"A parameter holds a control character{Naming(name)}.");
                break;
            }

            if (values.Length > 1 && !MayRepeat.Contains(name))
            {
                context.Reject(Errors.InvalidRequest, $"A parameter must not be repeated{Naming(name)}.");
                break;
            }

            if (maxLength is { } max && values.Any(v => v?.Length > max))
            {
                context.Reject(Errors.InvalidRequest, $"A parameter is too long{Naming(name)}.");
                break;
            }
        }

        return ValueTask.CompletedTask;
    }

    // error_description allows printable ASCII only (RFC 6749 4.1.2.1); an unusual name is not echoed.
    private static string Naming(string name) =>
        name.Length <= 40 && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.') ? $": '{name}'" : "";
}
