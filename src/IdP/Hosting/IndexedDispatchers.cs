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
/// at every event and keeps those registered for the event's context type; a token request raises a
/// few dozen events, and the client's dispatcher runs on every request too (its redirection
/// endpoints are found by a dispatch). Profiled under client_credentials load, that walk was about a
/// tenth of the IdP's CPU (docs/performance.md, "Session 11"). These dispatchers keep, per context
/// type, the same handlers in the same order, and otherwise do what OpenIddict's does: each
/// handler's filters are asked right before it would run (an earlier handler may change what they
/// see), the handler comes from its instance or the request's services, and the dispatch stops once
/// the context is handled, skipped or rejected.
/// </para>
/// </summary>
public static class IndexedDispatchers
{
    public static IServiceCollection AddIdpIndexedDispatchers(this IServiceCollection services)
    {
        // OpenIddict registers its dispatchers with TryAdd: replaced here whether it ran before or not.
        services.AddSingleton<HandlerIndex<OpenIddictServerHandlerDescriptor>>(provider =>
            new(() => provider.GetRequiredService<IOptionsMonitor<OpenIddictServerOptions>>().CurrentValue.Handlers, d => d.ContextType));
        services.AddSingleton<HandlerIndex<OpenIddictClientHandlerDescriptor>>(provider =>
            new(() => provider.GetRequiredService<IOptionsMonitor<OpenIddictClientOptions>>().CurrentValue.Handlers, d => d.ContextType));
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
    private (IReadOnlyList<TDescriptor> Source, ConcurrentDictionary<Type, TDescriptor[]> ByContext)? index;

    public TDescriptor[] For(Type context)
    {
        var all = source();
        var current = index;
        if (current is null || !ReferenceEquals(current.Value.Source, all))
        {
            current = (all, new ConcurrentDictionary<Type, TDescriptor[]>());
            index = current;
        }

        return current.Value.ByContext.GetOrAdd(context, type => [.. all.Where(d => contextType(d) == type)]);
    }
}

public sealed partial class IndexedServerDispatcher(
    HandlerIndex<OpenIddictServerHandlerDescriptor> index,
    IServiceProvider services,
    ILogger<IndexedServerDispatcher> logger) : IOpenIddictServerDispatcher
{
    public async ValueTask DispatchAsync<TContext>(TContext context) where TContext : Server.BaseContext
    {
        ArgumentNullException.ThrowIfNull(context);
        foreach (var descriptor in index.For(typeof(TContext)))
        {
            if (!await IsActiveAsync(descriptor, context))
            {
                continue;
            }

            var handler = descriptor.ServiceDescriptor.ImplementationInstance as IOpenIddictServerHandler<TContext>
                ?? services.GetService(descriptor.ServiceDescriptor.ServiceType) as IOpenIddictServerHandler<TContext>
                ?? throw new InvalidOperationException($"The OpenIddict server handler {descriptor.ServiceDescriptor.ServiceType} cannot be resolved.");
            try
            {
                await handler.HandleAsync(context);
            }
            catch (Exception e) when (logger.IsEnabled(LogLevel.Debug))
            {
                LogHandlerFailed(logger, handler.GetType().FullName, typeof(TContext).Name, e);
                throw;
            }

            if (context is Server.BaseRequestContext { IsRequestHandled: true } or Server.BaseRequestContext { IsRequestSkipped: true } or Server.BaseValidatingContext { IsRejected: true })
            {
                return;
            }
        }
    }

    private async ValueTask<bool> IsActiveAsync<TContext>(OpenIddictServerHandlerDescriptor descriptor, TContext context) where TContext : Server.BaseContext
    {
        foreach (var type in descriptor.FilterTypes)
        {
            var filter = services.GetService(type) as IOpenIddictServerHandlerFilter<TContext>
                ?? throw new InvalidOperationException($"The OpenIddict server filter {type} cannot be resolved.");
            if (!await filter.IsActiveAsync(context))
            {
                return false;
            }
        }

        return true;
    }

    [LoggerMessage(EventId = 7101, Level = LogLevel.Debug, Message = "OpenIddict server handler {Handler} failed on {Context}")]
    private static partial void LogHandlerFailed(ILogger logger, string? handler, string context, Exception exception);
}

public sealed partial class IndexedClientDispatcher(
    HandlerIndex<OpenIddictClientHandlerDescriptor> index,
    IServiceProvider services,
    ILogger<IndexedClientDispatcher> logger) : IOpenIddictClientDispatcher
{
    public async ValueTask DispatchAsync<TContext>(TContext context) where TContext : Client.BaseContext
    {
        ArgumentNullException.ThrowIfNull(context);
        foreach (var descriptor in index.For(typeof(TContext)))
        {
            if (!await IsActiveAsync(descriptor, context))
            {
                continue;
            }

            var handler = descriptor.ServiceDescriptor.ImplementationInstance as IOpenIddictClientHandler<TContext>
                ?? services.GetService(descriptor.ServiceDescriptor.ServiceType) as IOpenIddictClientHandler<TContext>
                ?? throw new InvalidOperationException($"The OpenIddict client handler {descriptor.ServiceDescriptor.ServiceType} cannot be resolved.");
            try
            {
                await handler.HandleAsync(context);
            }
            catch (Exception e) when (logger.IsEnabled(LogLevel.Debug))
            {
                LogHandlerFailed(logger, handler.GetType().FullName, typeof(TContext).Name, e);
                throw;
            }

            if (context is Client.BaseRequestContext { IsRequestHandled: true } or Client.BaseRequestContext { IsRequestSkipped: true } or Client.BaseValidatingContext { IsRejected: true })
            {
                return;
            }
        }
    }

    private async ValueTask<bool> IsActiveAsync<TContext>(OpenIddictClientHandlerDescriptor descriptor, TContext context) where TContext : Client.BaseContext
    {
        foreach (var type in descriptor.FilterTypes)
        {
            var filter = services.GetService(type) as IOpenIddictClientHandlerFilter<TContext>
                ?? throw new InvalidOperationException($"The OpenIddict client filter {type} cannot be resolved.");
            if (!await filter.IsActiveAsync(context))
            {
                return false;
            }
        }

        return true;
    }

    [LoggerMessage(EventId = 7102, Level = LogLevel.Debug, Message = "OpenIddict client handler {Handler} failed on {Context}")]
    private static partial void LogHandlerFailed(ILogger logger, string? handler, string context, Exception exception);
}
