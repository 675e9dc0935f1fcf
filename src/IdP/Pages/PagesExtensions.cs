using Educloud.Shared.Localization;
using Educloud.Idp.Settings;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.AspNetCore.Mvc.ModelBinding;

namespace Educloud.Idp.Pages;

public static class PagesExtensions
{
    public static WebApplicationBuilder AddIdpPages(this WebApplicationBuilder builder)
    {
        builder.Services.AddRazorPages(options =>
        {
            // Every page needs a session unless it says otherwise ([AllowAnonymous]).
            options.Conventions.AuthorizeFolder("/");
        }).AddMvcOptions(options =>
        {
            // jQuery's key syntax (a[b][c]) is not ours: no page posts it, and the factory throws on a
            // key it cannot parse (a form key "a[" gave a 500). Plain names only.
            options.ValueProviderFactories.RemoveType<JQueryFormValueProviderFactory>();
        });
        builder.Services.AddAuthorization();
        builder.Services.AddAntiforgery(options =>
        {
            // Antiforgery refuses plain-HTTP requests outright when its cookie must be Secure, and
            // Development runs on http://localhost; everywhere else it is __Host- and Secure.
            var development = builder.Environment.IsDevelopment();
            options.Cookie.Name = development ? "educloud-af" : "__Host-educloud-af";
            options.Cookie.SecurePolicy = development ? CookieSecurePolicy.SameAsRequest : CookieSecurePolicy.Always;
        });
        // Forwarded headers only from the proxies in ForwardedHeaders:TrustedProxies (docs/decisions.md,
        // "Hardening (issue 8): limits"). The framework's loopback defaults are cleared: a process on
        // the same host is not a proxy unless listed.
        var proxies = builder.GetValidated(ForwardedHeadersSettings.Section, new ForwardedHeadersSettingsValidator()).Parse();
        builder.Services.Configure<ForwardedHeadersOptions>(options =>
        {
            options.KnownProxies.Clear();
            options.KnownIPNetworks.Clear();
            foreach (var address in proxies.Addresses)
            {
                options.KnownProxies.Add(address);
            }

            foreach (var network in proxies.Networks)
            {
                options.KnownIPNetworks.Add(network);
            }

            // With both lists empty the middleware would believe every sender, so no trusted proxy
            // means no forwarded header is read at all.
            options.ForwardedHeaders = proxies.Addresses.Count + proxies.Networks.Count == 0
                ? ForwardedHeaders.None
                : ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;

            // No hop limit: walk X-Forwarded-For from the right while the sender is a trusted proxy;
            // the first untrusted address is the client (what the limits are keyed on). Entries left
            // of it were written by the client and are never believed.
            options.ForwardLimit = null;
        });
        return builder;
    }

    public static WebApplication MapIdpPages(this WebApplication app)
    {
        app.MapRazorPages();
        app.MapLanguageSwitch();
        return app;
    }
}
