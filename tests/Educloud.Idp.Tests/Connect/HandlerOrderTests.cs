using Educloud.Idp.Connect;
using Educloud.Idp.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using OpenIddict.Client;
using OpenIddict.Server;
using static OpenIddict.Server.OpenIddictServerEvents;

namespace Educloud.Idp.Tests.Connect;

/// <summary>Our OpenIddict handlers run where they are meant to, relative to OpenIddict's own (as registered in the running IdP).</summary>
public sealed class HandlerOrderTests(IdpFixture fixture) : IClassFixture<IdpFixture>
{
    public static TheoryData<Type> ValidatingContexts => new()
    {
        typeof(ValidateAuthorizationRequestContext), typeof(ValidatePushedAuthorizationRequestContext), typeof(ValidateEndSessionRequestContext),
        typeof(ValidateTokenRequestContext), typeof(ValidateIntrospectionRequestContext), typeof(ValidateRevocationRequestContext),
        typeof(ValidateUserInfoRequestContext),
    };

    [Theory]
    [MemberData(nameof(ValidatingContexts))]
    public void ParameterRules_RunBeforeEveryBuiltInCheck_AndBeforeTheAuthenticationMethodRule(Type context)
    {
        var handlers = Server().Handlers.Where(d => d.ContextType == context).ToList();
        var rules = handlers.Single(d => d.ServiceDescriptor.ServiceType == typeof(ParameterRules.Handler<>).MakeGenericType(context));

        // First of all: before OpenIddict's checks and before our authentication method rule.
        handlers.Where(d => d != rules).Should().OnlyContain(d => d.Order > rules.Order);
    }

    [Theory]
    [InlineData(typeof(ValidateTokenRequestContext))]
    [InlineData(typeof(ValidateIntrospectionRequestContext))]
    [InlineData(typeof(ValidateRevocationRequestContext))]
    public void AuthenticationMethodRule_RunsBeforeEveryBuiltInCheck(Type context)
    {
        var handlers = Server().Handlers.Where(d => d.ContextType == context).ToList();
        var rule = handlers.Single(d => d.ServiceDescriptor.ServiceType == typeof(ClientAuthenticationRule.Handler<>).MakeGenericType(context));

        rule.Order.Should().BeLessThan(handlers.Where(d => d.Type == OpenIddictServerHandlerType.BuiltIn).Min(d => d.Order));
    }

    [Fact]
    public void OurHandlers_NeverShareAnOrderWithABuiltIn()
    {
        // A tie leaves the order to an unstable sort.
        var server = Server().Handlers;
        server.Where(d => d.Type == OpenIddictServerHandlerType.Custom)
            .Should().NotBeEmpty()
            .And.OnlyContain(ours => !server.Any(d => d.Type == OpenIddictServerHandlerType.BuiltIn && d.ContextType == ours.ContextType && d.Order == ours.Order));
        var client = fixture.Idp.Services.GetRequiredService<IOptions<OpenIddictClientOptions>>().Value.Handlers;
        client.Where(d => d.Type == OpenIddictClientHandlerType.Custom)
            .Should().NotBeEmpty()
            .And.OnlyContain(ours => !client.Any(d => d.Type == OpenIddictClientHandlerType.BuiltIn && d.ContextType == ours.ContextType && d.Order == ours.Order));
    }

    private OpenIddictServerOptions Server() => fixture.Idp.Services.GetRequiredService<IOptions<OpenIddictServerOptions>>().Value;
}
