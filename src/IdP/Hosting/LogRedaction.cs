using Microsoft.Extensions.Options;

namespace Educloud.Idp.Hosting;

/// <summary>
/// Log levels at which framework categories write secrets, closed whatever Logging:LogLevel says
/// (ASVS 5 16.2.5: no credentials, tokens or personal identifiers in logs):
/// <list type="bullet">
/// <item>OpenIddict.* at Trace: whole tokens with their claims (ID-porten's id_token and its pid;
/// our codes, access, refresh and id tokens, IDs 6000, 6001, 6012, 6013, 6154).</item>
/// <item>Microsoft.AspNetCore.Mvc.* at Trace: handler and action arguments (passwords, enrollment
/// codes, one-time codes).</item>
/// <item>Microsoft.AspNetCore.Hosting.Diagnostics below Warning: "Request starting/finished" lines
/// carry the query string, and ID-porten's authorization code arrives in ours. Request logging
/// comes from OpenTelemetry instead, which drops query strings (OperationsExtensions). Apps'
/// end-session requests carry an id_token_hint in the query too.</item>
/// <item>Microsoft.AspNetCore.Http.Result.RedirectResult below Warning: the redirect target, which
/// for an authorization response holds the code (the built-in ID-porten simulator's, in
/// Development); the IdP's own redirects lose nothing worth a log line.</item>
/// </list>
/// Debug and above stays open for the others (OpenIddict's handler trail, MVC's routing and
/// binding decisions). The rule set is post-configured: every rule, including provider-specific
/// ones and wildcards from configuration, gets a filter that refuses these levels, and a
/// catch-all rule covers categories no rule names. Configuration is applied before post-
/// configuration, also on reload, so no setting can reopen them.
/// </summary>
public static class LogRedaction
{
    private static readonly (string Category, LogLevel Lowest)[] Closed =
    [
        ("OpenIddict", LogLevel.Debug),
        ("Microsoft.AspNetCore.Mvc", LogLevel.Debug),
        ("Microsoft.AspNetCore.Hosting.Diagnostics", LogLevel.Warning),
        ("Microsoft.AspNetCore.Http.Result.RedirectResult", LogLevel.Warning),
    ];

    public static WebApplicationBuilder AddIdpLogRedaction(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<IPostConfigureOptions<LoggerFilterOptions>, CloseSecretBearingLevels>();
        return builder;
    }

    /// <summary>True when <paramref name="category"/> may write secrets at <paramref name="level"/>.</summary>
    public static bool MayHoldSecrets(string? category, LogLevel level)
    {
        if (category is null)
        {
            return false;
        }

        foreach (var (closed, lowest) in Closed)
        {
            if (level < lowest && category.StartsWith(closed, StringComparison.Ordinal)
                && (category.Length == closed.Length || category[closed.Length] == '.'))
            {
                return true;
            }
        }

        return false;
    }

    private sealed class CloseSecretBearingLevels : IPostConfigureOptions<LoggerFilterOptions>
    {
        public void PostConfigure(string? name, LoggerFilterOptions options)
        {
            var rules = options.Rules.ToList();
            options.Rules.Clear();

            // The least specific rule, chosen only when no other matches: the default level, filtered.
            options.Rules.Add(new LoggerFilterRule(null, null, options.MinLevel, Refusing(null)));
            foreach (var rule in rules)
            {
                options.Rules.Add(new LoggerFilterRule(rule.ProviderName, rule.CategoryName, rule.LogLevel, Refusing(rule.Filter)));
            }
        }

        private static Func<string?, string?, LogLevel, bool> Refusing(Func<string?, string?, LogLevel, bool>? inner) =>
            (provider, category, level) => !MayHoldSecrets(category, level) && (inner is null || inner(provider, category, level));
    }
}
