using Educloud.Idp.Settings;
using Microsoft.Extensions.Options;

namespace Educloud.Idp.Hosting;

/// <summary>
/// The issuer from <c>Server:Issuer</c> (docs/decisions.md, "Issue 10: deployment"). OpenIddict's
/// server and client are told it where they build URLs (SetIssuer, SetClientUri, absolute redirect
/// URIs); for everything else that builds a URL from the request (OpenIddict's discovery endpoints,
/// its redirect URI checks, our own absolute links), every request's Host is replaced with the
/// issuer's before anything reads it. The scheme still comes from the connection or a trusted proxy's
/// X-Forwarded-Proto, so outside Development OpenIddict keeps refusing plain-HTTP requests.
/// </summary>
public static class FixedIssuer
{
    /// <summary>The validated, normalized issuer, or null (Development without one): read while services are registered.</summary>
    public static Uri? GetFixedIssuer(this WebApplicationBuilder builder) =>
        ServerOptions.Normalize(builder.GetValidated(ServerOptions.Section, new ServerOptionsValidator(builder.Environment)).Issuer);

    public static WebApplicationBuilder AddIdpFixedIssuer(this WebApplicationBuilder builder)
    {
        var issuer = builder.GetFixedIssuer();
        builder.Services.AddSingleton<IValidateOptions<ServerOptions>, ServerOptionsValidator>();
        builder.Services.AddOptions<ServerOptions>().BindConfiguration(ServerOptions.Section).ValidateOnStart();
        if (issuer is not null)
        {
            // A startup filter runs before the whole pipeline, forwarded headers and request guard included.
            builder.Services.AddSingleton<IStartupFilter>(new HostFromIssuer(new HostString(issuer.Authority)));
        }

        return builder;
    }

    /// <summary>An absolute URL of ours: on the configured issuer, else (Development) on the request's origin.</summary>
    public static string Url(HttpContext http, string path)
    {
        var issuer = ServerOptions.Normalize(http.RequestServices.GetRequiredService<IOptions<ServerOptions>>().Value.Issuer)
            ?? new Uri($"{http.Request.Scheme}://{http.Request.Host}{http.Request.PathBase}/");
        return new Uri(issuer, path.TrimStart('/')).AbsoluteUri;
    }

    private sealed class HostFromIssuer(HostString host) : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use((http, nextMiddleware) =>
            {
                http.Request.Host = host;
                return nextMiddleware(http);
            });
            next(app);
        };
    }
}
