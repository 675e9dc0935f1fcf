using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Educloud.ResearchApp.Settings;

/// <summary>How this app logs people in at the Educloud IdP (section <c>Idp</c>).</summary>
public sealed class IdpSettings
{
    public const string Section = "Idp";

    /// <summary>The IdP's issuer, e.g. https://idp.example.org (discovery is read from it).</summary>
    public string Authority { get; set; } = "";

    /// <summary>This app's client id, as registered at the IdP (Clients settings or the admin API).</summary>
    public string ClientId { get; set; } = "";

    /// <summary>This app's secret: from user secrets or the environment (Idp__ClientSecret), never from a committed file outside Development.</summary>
    public string ClientSecret { get; set; } = "";

    /// <summary>The level of assurance the app asks for: idporten-loa-substantial or idporten-loa-high.</summary>
    public string AcrValues { get; set; } = "idporten-loa-substantial";
}

/// <summary>The app's own small API (section <c>Api</c>).</summary>
public sealed class ApiSettings
{
    public const string Section = "Api";

    /// <summary>The <c>aud</c> the API accepts: the app's Audience at the IdP; empty means the client id (the IdP's default).</summary>
    public string Audience { get; set; } = "";

    /// <summary>Where the pages call the API (this app's own address in the sample).</summary>
    public string BaseAddress { get; set; } = "";
}

/// <summary>Bad settings stop the app at start, with a message that names the key.</summary>
public sealed class AppSettingsValidator(IHostEnvironment environment) : IValidateOptions<IdpSettings>, IValidateOptions<ApiSettings>
{
    private static readonly string[] Levels = ["idporten-loa-substantial", "idporten-loa-high"];

    public ValidateOptionsResult Validate(string? name, IdpSettings options)
    {
        var failures = new List<string>();
        if (!Uri.TryCreate(options.Authority, UriKind.Absolute, out var authority)
            || (authority.Scheme != Uri.UriSchemeHttps && !(environment.IsDevelopment() && authority.Scheme == Uri.UriSchemeHttp)))
        {
            failures.Add("Idp:Authority must be the IdP's https address (plain http only in Development).");
        }

        if (string.IsNullOrWhiteSpace(options.ClientId))
        {
            failures.Add("Idp:ClientId is required: the app's client id at the IdP.");
        }

        if (string.IsNullOrWhiteSpace(options.ClientSecret))
        {
            failures.Add("Idp:ClientSecret is required (user secrets or the environment variable Idp__ClientSecret).");
        }
        else if (!environment.IsDevelopment() && options.ClientSecret.StartsWith("DEVELOPMENT-ONLY", StringComparison.Ordinal))
        {
            failures.Add("Idp:ClientSecret is a development value: outside Development give the app's real secret.");
        }

        var asked = options.AcrValues.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (asked.Length == 0 || asked.Any(level => !Levels.Contains(level)))
        {
            failures.Add("Idp:AcrValues must be idporten-loa-substantial or idporten-loa-high.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    public ValidateOptionsResult Validate(string? name, ApiSettings options) =>
        Uri.TryCreate(options.BaseAddress, UriKind.Absolute, out var address) && address.Scheme is "https" or "http"
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail("Api:BaseAddress must be the absolute address of the API (this app's own address in the sample).");
}

public static class SettingsExtensions
{
    public static WebApplicationBuilder AddAppSettings(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<AppSettingsValidator>();
        builder.Services.AddSingleton<IValidateOptions<IdpSettings>>(s => s.GetRequiredService<AppSettingsValidator>());
        builder.Services.AddSingleton<IValidateOptions<ApiSettings>>(s => s.GetRequiredService<AppSettingsValidator>());
        builder.Services.AddOptions<IdpSettings>().Bind(builder.Configuration.GetSection(IdpSettings.Section)).ValidateOnStart();
        builder.Services.AddOptions<ApiSettings>().Bind(builder.Configuration.GetSection(ApiSettings.Section)).ValidateOnStart();
        builder.Services.TryAddSingleton(TimeProvider.System);
        return builder;
    }

    /// <summary>The audience the API accepts: the configured one, else the client id.</summary>
    public static string AudienceOr(this ApiSettings api, IdpSettings idp) => string.IsNullOrEmpty(api.Audience) ? idp.ClientId : api.Audience;
}
