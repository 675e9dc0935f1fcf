using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using OpenIddict.Client;
using OpenIddict.Server;
using Client = OpenIddict.Client.OpenIddictClientEvents;
using Server = OpenIddict.Server.OpenIddictServerEvents;

namespace Educloud.Idp.Hosting;

/// <summary>
/// OpenIddict's server and client dispatchers, with the handlers of each event looked up once.
/// <para>
/// OpenIddict's own dispatcher walks the whole sorted list of registered handlers (several hundred)
/// at every event to find those of the event's context type, and for each of them resolves every
/// filter and the handler from the request's services and casts them to the event's (contravariant)
/// interfaces; a token request raises a few dozen events, and the client's dispatcher runs on every
/// request too (its redirection endpoints are found by a dispatch). These dispatchers keep, per
/// context type, the same handlers in the same order, with the singletons among them and their
/// filters (most of them) resolved and typed once; otherwise they do what OpenIddict's does: each
/// handler's filters are asked right before it would run (an earlier handler may change what they
/// see), a scoped handler comes from the request's services, and the dispatch stops once the context
/// is handled, skipped or rejected. Measured in docs/performance.md, "Session 11".
/// </para>
/// </summary>
public static class IndexedDispatchers
{
    public static IServiceCollection AddIdpIndexedDispatchers(this IServiceCollection services)
    {
        // Read when the first event is dispatched, once every registration is made: which filters
        // and handlers are singletons, so resolved once instead of at every event.
        var lifetimes = new RegisteredLifetimes(services);
        // The options monitor is resolved once; its current value is read at each dispatch.
        services.AddSingleton(provider =>
        {
            var options = provider.GetRequiredService<IOptionsMonitor<OpenIddictServerOptions>>();
            return new HandlerIndex<OpenIddictServerHandlerDescriptor>(() => options.CurrentValue.Handlers, d => d.ContextType);
        });
        services.AddSingleton(provider =>
        {
            var options = provider.GetRequiredService<IOptionsMonitor<OpenIddictClientOptions>>();
            return new HandlerIndex<OpenIddictClientHandlerDescriptor>(() => options.CurrentValue.Handlers, d => d.ContextType);
        });
        services.AddSingleton(provider => new StepCache<OpenIddictServerHandlerDescriptor>(
            provider.GetRequiredService<HandlerIndex<OpenIddictServerHandlerDescriptor>>(), lifetimes, provider, d => d.ServiceDescriptor, d => d.FilterTypes));
        services.AddSingleton(provider => new StepCache<OpenIddictClientHandlerDescriptor>(
            provider.GetRequiredService<HandlerIndex<OpenIddictClientHandlerDescriptor>>(), lifetimes, provider, d => d.ServiceDescriptor, d => d.FilterTypes));
        // OpenIddict registers its dispatchers with TryAdd: replaced here whether it ran before or not.
        services.Replace(ServiceDescriptor.Scoped<IOpenIddictServerDispatcher, IndexedServerDispatcher>());
        services.Replace(ServiceDescriptor.Scoped<IOpenIddictClientDispatcher, IndexedClientDispatcher>());
        return services;
    }
}

/// <summary>
/// The registered handler descriptors grouped by the context type they handle, in their registered
/// (sorted) order. Built again if the options' list is replaced (options are not reloaded today).
/// </summary>
public sealed class HandlerIndex<TDescriptor>(Func<IReadOnlyList<TDescriptor>> source, Func<TDescriptor, Type> contextType)
{
    // One reference, swapped whole: a reader never sees one list's source with another's groups.
    private Snapshot? index;

    public TDescriptor[] For(Type context)
    {
        var all = source();
        var current = Volatile.Read(ref index);
        if (current is null || !ReferenceEquals(current.Source, all))
        {
            current = new Snapshot(all, new ConcurrentDictionary<Type, TDescriptor[]>());
            Volatile.Write(ref index, current);
        }

        // The factory takes its state as an argument: no closure is allocated on the hit path.
        return current.ByContext.GetOrAdd(context, static (type, state) => [.. state.Source.Where(d => state.ContextType(d) == type)], (current.Source, ContextType: contextType));
    }

    private sealed record Snapshot(IReadOnlyList<TDescriptor> Source, ConcurrentDictionary<Type, TDescriptor[]> ByContext);
}

/// <summary>Whether a service is registered as a singleton (the last registration wins, as in the container).</summary>
public sealed class RegisteredLifetimes(IServiceCollection services)
{
    private readonly ConcurrentDictionary<Type, bool> singletons = new();

    public bool IsSingleton(Type service) =>
        singletons.GetOrAdd(service, type => services.LastOrDefault(d => d.ServiceType == type && !d.IsKeyedService)?.Lifetime == ServiceLifetime.Singleton);
}

/// <summary>
/// One handler of an event and its filters, typed for the event's context: a singleton is resolved
/// once and kept; anything else (a scoped handler) is resolved from the request's services each time,
/// as OpenIddict does.
/// </summary>
public sealed class Step<THandler, TFilter>(Type handlerType, THandler? handler, (Type Type, TFilter? Instance)[] filters)
    where THandler : class
    where TFilter : class
{
    public int FilterCount => filters.Length;

    public THandler Handler(IServiceProvider services) =>
        handler ?? services.GetService(handlerType) as THandler ?? throw new InvalidOperationException($"The OpenIddict handler {handlerType} cannot be resolved.");

    public TFilter Filter(int index, IServiceProvider services) =>
        filters[index].Instance ?? services.GetService(filters[index].Type) as TFilter ?? throw new InvalidOperationException($"The OpenIddict filter {filters[index].Type} cannot be resolved.");
}

public static class Steps
{
    /// <summary>A handler and its filters for one context type, singletons resolved now from the root services.</summary>
    public static Step<THandler, TFilter> Build<THandler, TFilter>(ServiceDescriptor handler, IEnumerable<Type> filterTypes, RegisteredLifetimes lifetimes, IServiceProvider root)
        where THandler : class
        where TFilter : class
    {
        // The container's registration decides, not the descriptor's: it is what a request would get.
        var instance = handler.ImplementationInstance as THandler ?? (lifetimes.IsSingleton(handler.ServiceType) ? root.GetService(handler.ServiceType) as THandler : null);
        return new(handler.ServiceType, instance, [.. filterTypes.Select(t => (t, lifetimes.IsSingleton(t) ? root.GetService(t) as TFilter : null))]);
    }
}

/// <summary>The steps of each event type, built on its first dispatch (again if the index was rebuilt).</summary>
public sealed class StepCache<TDescriptor>(
    HandlerIndex<TDescriptor> index,
    RegisteredLifetimes lifetimes,
    IServiceProvider root,
    Func<TDescriptor, ServiceDescriptor> service,
    Func<TDescriptor, IEnumerable<Type>> filters)
{
    private readonly ConcurrentDictionary<Type, (TDescriptor[] Source, object Steps)> byContext = new();

    public Step<THandler, TFilter>[] For<TContext, THandler, TFilter>()
        where THandler : class
        where TFilter : class
    {
        var descriptors = index.For(typeof(TContext));
        if (!byContext.TryGetValue(typeof(TContext), out var built) || !ReferenceEquals(built.Source, descriptors))
        {
            built = (descriptors, descriptors.Select(d => Steps.Build<THandler, TFilter>(service(d), filters(d), lifetimes, root)).ToArray());
            byContext[typeof(TContext)] = built;
        }

        return (Step<THandler, TFilter>[])built.Steps;
    }
}

public sealed class IndexedServerDispatcher(StepCache<OpenIddictServerHandlerDescriptor> steps, IServiceProvider services, ILogger<IndexedServerDispatcher> logger) : IOpenIddictServerDispatcher
{
    public ValueTask DispatchAsync<TContext>(TContext context) where TContext : Server.BaseContext
    {
        ArgumentNullException.ThrowIfNull(context);
        return StepRunner.RunAsync(steps.For<TContext, IOpenIddictServerHandler<TContext>, IOpenIddictServerHandlerFilter<TContext>>(), context, services, logger,
            static (filter, c) => filter.IsActiveAsync(c),
            static (handler, c) => handler.HandleAsync(c),
            static c => c is Server.BaseRequestContext { IsRequestHandled: true } or Server.BaseRequestContext { IsRequestSkipped: true } or Server.BaseValidatingContext { IsRejected: true });
    }
}

public sealed class IndexedClientDispatcher(StepCache<OpenIddictClientHandlerDescriptor> steps, IServiceProvider services, ILogger<IndexedClientDispatcher> logger) : IOpenIddictClientDispatcher
{
    public ValueTask DispatchAsync<TContext>(TContext context) where TContext : Client.BaseContext
    {
        ArgumentNullException.ThrowIfNull(context);
        return StepRunner.RunAsync(steps.For<TContext, IOpenIddictClientHandler<TContext>, IOpenIddictClientHandlerFilter<TContext>>(), context, services, logger,
            static (filter, c) => filter.IsActiveAsync(c),
            static (handler, c) => handler.HandleAsync(c),
            static c => c is Client.BaseRequestContext { IsRequestHandled: true } or Client.BaseRequestContext { IsRequestSkipped: true } or Client.BaseValidatingContext { IsRejected: true });
    }
}

/// <summary>What both dispatchers do with an event's steps, as OpenIddict's dispatchers do it.</summary>
public static partial class StepRunner
{
    public static async ValueTask RunAsync<TContext, THandler, TFilter>(
        Step<THandler, TFilter>[] steps,
        TContext context,
        IServiceProvider services,
        ILogger logger,
        Func<TFilter, TContext, ValueTask<bool>> isActive,
        Func<THandler, TContext, ValueTask> handle,
        Func<TContext, bool> done)
        where THandler : class
        where TFilter : class
    {
        foreach (var step in steps)
        {
            if (!await IsActiveAsync(step, context, services, isActive))
            {
                continue;
            }

            var handler = step.Handler(services);
            try
            {
                await handle(handler, context);
            }
            catch (Exception e) when (logger.IsEnabled(LogLevel.Debug))
            {
                LogHandlerFailed(logger, handler.GetType().FullName, typeof(TContext).Name, e);
                throw;
            }

            if (done(context))
            {
                return;
            }
        }
    }

    // Most filters answer synchronously: no await (and no state machine) unless one does not.
    private static ValueTask<bool> IsActiveAsync<TContext, THandler, TFilter>(Step<THandler, TFilter> step, TContext context, IServiceProvider services, Func<TFilter, TContext, ValueTask<bool>> isActive)
        where THandler : class
        where TFilter : class
    {
        for (var i = 0; i < step.FilterCount; i++)
        {
            var active = isActive(step.Filter(i, services), context);
            if (!active.IsCompletedSuccessfully)
            {
                return RestAsync(active, i);
            }

            if (!active.Result)
            {
                return ValueTask.FromResult(false);
            }
        }

        return ValueTask.FromResult(true);

        async ValueTask<bool> RestAsync(ValueTask<bool> pending, int at)
        {
            if (!await pending)
            {
                return false;
            }

            for (var i = at + 1; i < step.FilterCount; i++)
            {
                if (!await isActive(step.Filter(i, services), context))
                {
                    return false;
                }
            }

            return true;
        }
    }

    [LoggerMessage(EventId = 7101, Level = LogLevel.Debug, Message = "OpenIddict handler {Handler} failed on {Context}")]
    private static partial void LogHandlerFailed(ILogger logger, string? handler, string context, Exception exception);
}
