using System.Text.Json;
using OpenIddict.Abstractions;
using OpenIddict.Server;
using Microsoft.AspNetCore;
using static OpenIddict.Abstractions.OpenIddictConstants;
using static OpenIddict.Server.OpenIddictServerEvents;

namespace Educloud.Idp.Connect;

/// <summary>
/// An app registered through the admin API names how it authenticates at the token, introspection
/// and revocation endpoints (client_secret_basic or client_secret_post; "none" for public apps,
/// which OpenIddict already holds to no secret). A secret sent the other way is refused.
/// </summary>
public static class ClientAuthenticationRule
{
    /// <summary>The application property holding the method (set by the admin API).</summary>
    public const string Property = "educloud_token_endpoint_auth_method";

    // Before OpenIddict's first validation handler at each endpoint, after ParameterRules (-2000):
    // a secret sent the wrong way is refused before OpenIddict checks it.
    public static OpenIddictServerBuilder EnforceClientAuthenticationMethod(this OpenIddictServerBuilder options) => options
        .AddEventHandler(Before<ValidateTokenRequestContext>(OpenIddictServerHandlers.Exchange.ValidateGrantType.Descriptor))
        .AddEventHandler(Before<ValidateIntrospectionRequestContext>(OpenIddictServerHandlers.Introspection.ValidateTokenParameter.Descriptor))
        .AddEventHandler(Before<ValidateRevocationRequestContext>(OpenIddictServerHandlers.Revocation.ValidateTokenParameter.Descriptor));

    private static OpenIddictServerHandlerDescriptor Before<TContext>(OpenIddictServerHandlerDescriptor firstBuiltIn)
        where TContext : BaseValidatingContext =>
        OpenIddictServerHandlerDescriptor.CreateBuilder<TContext>()
            .UseSingletonHandler<Handler<TContext>>()
            .SetOrder(firstBuiltIn.Order - 1_000)
            .SetType(OpenIddictServerHandlerType.Custom)
            .Build();

    /// <summary>The rule at one endpoint.</summary>
    public sealed class Handler<TContext> : IOpenIddictServerHandler<TContext>
        where TContext : BaseValidatingContext
    {
        public ValueTask HandleAsync(TContext context) => CheckAsync(context);
    }

    private static async ValueTask CheckAsync(BaseValidatingContext context)
    {
        var http = context.Transaction.GetHttpRequest();
        if (context.Transaction.Request is not { ClientId: { } clientId } request || http is null || request.ClientSecret is null)
        {
            return;
        }

        var applications = http.HttpContext.RequestServices.GetRequiredService<IOpenIddictApplicationManager>();
        var application = await applications.FindByClientIdAsync(clientId, context.CancellationToken);
        if (application is null)
        {
            return;
        }

        var properties = await applications.GetPropertiesAsync(application, context.CancellationToken);
        if (!properties.TryGetValue(Property, out var value) || value.ValueKind != JsonValueKind.String)
        {
            return;
        }

        var basic = http.Headers.Authorization.ToString().StartsWith("Basic ", StringComparison.OrdinalIgnoreCase);
        var expected = value.GetString();
        if ((expected == ClientAuthenticationMethods.ClientSecretBasic && !basic) || (expected == ClientAuthenticationMethods.ClientSecretPost && basic))
        {
            context.Reject(Errors.InvalidClient, $"This client authenticates with {expected}.");
        }
    }
}
