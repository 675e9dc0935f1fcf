using Educloud.Idp.Hosting;
using Educloud.Idp.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using OpenIddict.Client;
using OpenIddict.Server;
using static OpenIddict.Server.OpenIddictServerEvents;

namespace Educloud.Idp.Tests.Hosting;

/// <summary>
/// The IdP's OpenIddict dispatchers (IndexedDispatchers) find each event's handlers once: they must
/// be the ones in use, and hand every event the handlers OpenIddict's own walk would, in its order.
/// </summary>
public sealed class IndexedDispatchersTests(IdpFixture fixture) : IClassFixture<IdpFixture>
{
    [Fact]
    public async Task TheIdp_DispatchesServerAndClientEventsThroughTheIndexedDispatchers()
    {
        await using var scope = fixture.Idp.Services.CreateAsyncScope();

        scope.ServiceProvider.GetRequiredService<IOpenIddictServerDispatcher>().Should().BeOfType<IndexedServerDispatcher>();
        scope.ServiceProvider.GetRequiredService<IOpenIddictClientDispatcher>().Should().BeOfType<IndexedClientDispatcher>();
    }

    [Fact]
    public void EveryServerEvent_GetsTheHandlersOfOpenIddictsWalk_InTheSameOrder()
    {
        var handlers = fixture.Idp.Services.GetRequiredService<IOptionsMonitor<OpenIddictServerOptions>>().CurrentValue.Handlers;
        var index = fixture.Idp.Services.GetRequiredService<HandlerIndex<OpenIddictServerHandlerDescriptor>>();

        var contexts = handlers.Select(h => h.ContextType).Distinct().ToList();
        contexts.Should().Contain([typeof(ProcessRequestContext), typeof(HandleTokenRequestContext), typeof(ProcessSignInContext)]);
        foreach (var context in contexts)
        {
            index.For(context).Should().Equal(handlers.Where(h => h.ContextType == context), $"the handlers of {context.Name}, in OpenIddict's order");
        }
    }

    [Fact]
    public void EveryClientEvent_GetsTheHandlersOfOpenIddictsWalk_InTheSameOrder()
    {
        var handlers = fixture.Idp.Services.GetRequiredService<IOptionsMonitor<OpenIddictClientOptions>>().CurrentValue.Handlers;
        var index = fixture.Idp.Services.GetRequiredService<HandlerIndex<OpenIddictClientHandlerDescriptor>>();

        foreach (var context in handlers.Select(h => h.ContextType).Distinct())
        {
            index.For(context).Should().Equal(handlers.Where(h => h.ContextType == context), $"the handlers of {context.Name}, in OpenIddict's order");
        }
    }

    [Fact]
    public void AReplacedHandlerList_IsIndexedAgain()
    {
        var list = new List<(Type Context, string Name)> { (typeof(int), "a"), (typeof(string), "b"), (typeof(int), "c") };
        var index = new HandlerIndex<(Type Context, string Name)>(() => list, d => d.Context);
        index.For(typeof(int)).Select(d => d.Name).Should().Equal("a", "c");

        list = [(typeof(int), "d")];

        index.For(typeof(int)).Select(d => d.Name).Should().Equal("d");
    }

    [Fact]
    public void RegisteredLifetimes_FollowTheLastRegistration_AsTheContainerDoes()
    {
        var services = new ServiceCollection();
        services.AddSingleton<SingletonThing>();
        services.AddScoped<ScopedThing>();
        services.AddSingleton<ReRegisteredThing>();
        services.AddScoped<ReRegisteredThing>();
        var lifetimes = new RegisteredLifetimes(services);

        lifetimes.IsSingleton(typeof(SingletonThing)).Should().BeTrue();
        lifetimes.IsSingleton(typeof(ScopedThing)).Should().BeFalse();
        lifetimes.IsSingleton(typeof(ReRegisteredThing)).Should().BeFalse("the last registration is what the container resolves");
        lifetimes.IsSingleton(typeof(string)).Should().BeFalse();
    }

    [Fact]
    public async Task AScopedHandler_IsResolvedPerScope_ASingletonOnce()
    {
        var services = new ServiceCollection();
        services.AddSingleton<SingletonThing>();
        services.AddScoped<ScopedThing>();
        await using var root = services.BuildServiceProvider();
        var lifetimes = new RegisteredLifetimes(services);
        var singleton = Steps.Build<SingletonThing, object>(ServiceDescriptor.Singleton<SingletonThing, SingletonThing>(), [], lifetimes, root);
        var scoped = Steps.Build<ScopedThing, object>(ServiceDescriptor.Scoped<ScopedThing, ScopedThing>(), [], lifetimes, root);

        await using var first = root.CreateAsyncScope();
        await using var second = root.CreateAsyncScope();

        singleton.Handler(first.ServiceProvider).Should().BeSameAs(singleton.Handler(second.ServiceProvider)).And.BeSameAs(root.GetRequiredService<SingletonThing>());
        scoped.Handler(first.ServiceProvider).Should().BeSameAs(first.ServiceProvider.GetRequiredService<ScopedThing>())
            .And.NotBeSameAs(scoped.Handler(second.ServiceProvider));
    }

    private sealed class SingletonThing;

    private sealed class ScopedThing;

    private sealed class ReRegisteredThing;
}
