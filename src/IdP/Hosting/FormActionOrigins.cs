using System.Text.Json;
using Educloud.Idp.Admin;
using Educloud.Idp.Settings;
using Microsoft.Extensions.Options;
using OpenIddict.Abstractions;

namespace Educloud.Idp.Hosting;

/// <summary>
/// The sources of the CSP <c>form-action</c> directive: 'self' and the origins our forms end up at.
/// Browsers check form-action against every redirect that follows a form post (CSP 3, "form-action"),
/// so besides ourselves it must allow ID-porten (the login form posts here and is redirected there)
/// and the apps (the code and logout forms end in a redirect, or OpenIddict's form_post page, to an
/// app's redirect or post-logout redirect URI). Only the origins of enabled apps, from configuration
/// and from the admin API alike (both live in OpenIddict's application store), are allowed.
/// The list is kept for a minute; the admin API invalidates it when an app is registered, changed or
/// disabled, so a new app works without a restart.
/// </summary>
public sealed class FormActionOrigins(IServiceScopeFactory scopes, IOptions<IdPortenOptions> idporten, IHostEnvironment environment, TimeProvider time)
{
    /// <summary>How long a computed list is used before the store is read again (a safety net; changes through the admin API invalidate it at once).</summary>
    public static readonly TimeSpan CacheLifetime = TimeSpan.FromMinutes(1);

    // Development only: local apps on any port and ID-porten's test environment; the simulator is 'self'.
    private const string DevelopmentExtras = "https: http://localhost:* http://127.0.0.1:*";

    private volatile Cached? cached;

    private sealed record Cached(string Sources, DateTimeOffset Until);

    /// <summary>The form-action sources, space separated, starting with 'self'.</summary>
    public async ValueTask<string> GetAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        if (cached is { } current && now < current.Until)
        {
            return current.Sources;
        }

        var sources = await ComputeAsync(cancellationToken);
        cached = new Cached(sources, now + CacheLifetime);
        return sources;
    }

    /// <summary>Forget the list: an app was registered, changed or disabled.</summary>
    public void Invalidate() => cached = null;

    /// <summary>An endpoint filter for the admin API's apps: after any request that may change one, the list is read again.</summary>
    public static async ValueTask<object?> InvalidateAfterChange(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var result = await next(context);
        if (!HttpMethods.IsGet(context.HttpContext.Request.Method))
        {
            context.HttpContext.RequestServices.GetRequiredService<FormActionOrigins>().Invalidate();
        }

        return result;
    }

    private async Task<string> ComputeAsync(CancellationToken cancellationToken)
    {
        // ID-porten: its issuer, and its login pages (authorization and end session endpoints), which
        // are on login.{issuer host} for the real ID-porten (the origins that may frame our front-channel logout).
        var origins = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var upstream in idporten.Value.EffectiveFrameAncestors().Prepend(idporten.Value.Issuer))
        {
            if (Origin(upstream) is { } origin)
            {
                origins.Add(origin);
            }
        }

        await using (var scope = scopes.CreateAsyncScope())
        {
            var applications = scope.ServiceProvider.GetRequiredService<IOpenIddictApplicationManager>();
            await foreach (var application in applications.ListAsync(count: null, offset: null, cancellationToken))
            {
                var properties = await applications.GetPropertiesAsync(application, cancellationToken);
                if (properties.TryGetValue(AppDescriptors.Disabled, out var disabled) && disabled.ValueKind == JsonValueKind.True)
                {
                    continue;
                }

                foreach (var uri in (await applications.GetRedirectUrisAsync(application, cancellationToken))
                    .Concat(await applications.GetPostLogoutRedirectUrisAsync(application, cancellationToken)))
                {
                    if (Origin(uri) is { } origin)
                    {
                        origins.Add(origin);
                    }
                }
            }
        }

        var sources = "'self'" + string.Concat(origins.Select(o => " " + o));
        return environment.IsDevelopment() ? sources + " " + DevelopmentExtras : sources;
    }

    /// <summary>scheme://host[:port] of an absolute http(s) URI, as a CSP host-source; nothing for anything else
    /// (CSP's host-source has no IPv6 literals).</summary>
    private static string? Origin(string? uri) =>
        Uri.TryCreate(uri, UriKind.Absolute, out var parsed) && parsed.Scheme is "https" or "http"
            && parsed.HostNameType is UriHostNameType.Dns or UriHostNameType.IPv4
            ? parsed.GetLeftPart(UriPartial.Authority)
            : null;
}
