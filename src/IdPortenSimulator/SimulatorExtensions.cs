using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Educloud.IdPortenSimulator;

public static class SimulatorExtensions
{
    public static IServiceCollection AddIdPortenSimulator(this IServiceCollection services, Action<IdPortenSimulatorOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = services.AddOptions<IdPortenSimulatorOptions>();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        options.ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<IdPortenSimulatorOptions>, OptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IdPortenSimulatorFaults>();
        services.TryAddSingleton(_ => SimulatorSigningKey.Shared);
        services.TryAddSingleton<SimulatorStore>();
        services.TryAddSingleton<ClientKeys>();
        services.TryAddSingleton<BackChannelLogout>();
        services.TryAddSingleton(provider => new IdPortenSimulatorSessions(
            provider.GetRequiredService<SimulatorStore>(),
            provider.GetRequiredService<IOptionsMonitor<IdPortenSimulatorOptions>>(),
            provider.GetRequiredService<BackChannelLogout>()));

        // One attempt, no retries, as ID-porten (see BackChannelLogout); a test host may replace the handler.
        services.AddHttpClient(BackChannelLogout.HttpClientName, client => client.Timeout = TimeSpan.FromSeconds(5));
        return services;
    }

    /// <summary>Maps every simulator endpoint under <paramref name="pathPrefix"/>; the issuer is that path on the request's origin.</summary>
    public static IEndpointConventionBuilder MapIdPortenSimulator(this IEndpointRouteBuilder endpoints, string pathPrefix = "/idporten-sim")
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var prefix = "/" + pathPrefix.Trim('/');
        if (prefix == "/")
        {
            throw new ArgumentException("The simulator needs a path prefix of its own.", nameof(pathPrefix));
        }

        var simulator = new SimulatorEndpoints(prefix);
        var group = endpoints.MapGroup(prefix);
        group.MapGet("/.well-known/openid-configuration", Run(simulator.Discovery));
        group.MapGet("/jwks", Run(simulator.Jwks));
        group.MapGet("/authorize", Run(simulator.AuthorizeGet));
        group.MapPost("/authorize", Run(simulator.AuthorizePost));
        group.MapPost("/par", Run(simulator.PushedAuthorizationRequest));
        group.MapPost("/token", Run(simulator.Token));
        group.MapMethods("/userinfo", [HttpMethods.Get, HttpMethods.Post], Run(simulator.Userinfo));
        group.MapGet("/endsession", Run(simulator.EndSessionGet));
        group.MapPost("/endsession", Run(simulator.EndSessionPost));
        group.MapGet("/logout-elsewhere", Run(simulator.LogoutElsewhere));

        // Anonymous: it is the upstream login itself, whatever fallback policy the host has.
        // No anti-forgery: a forged POST /authorize can only create a code for parameters that
        // are validated anyway and is redirected to the registered client, as any login would be.
        group.AllowAnonymous()
            .DisableAntiforgery()
            .ExcludeFromDescription()
            .WithFormOptions(bufferBody: false, valueCountLimit: 100, keyLengthLimit: 256, valueLengthLimit: 16 * 1024);
        return group;
    }

    // Plain request delegates: the handlers read the request themselves, so that nothing is bound
    // (and nothing can fail to bind) by the minimal API machinery.
    private static RequestDelegate Run(Func<HttpContext, IResult> handler) => http => handler(http).ExecuteAsync(http);

    private static RequestDelegate Run(Func<HttpContext, Task<IResult>> handler) =>
        async http => await (await handler(http)).ExecuteAsync(http);
}
