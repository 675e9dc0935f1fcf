using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Educloud.Idp.Settings;

public static class SettingsExtensions
{
    /// <summary>Binds every settings section to its typed options and validates them when the IdP starts.</summary>
    public static WebApplicationBuilder AddIdpSettings(this WebApplicationBuilder builder)
    {
        // The one clock of the IdP: every security decision asks it (tests swap in FakeTimeProvider).
        builder.Services.TryAddSingleton(TimeProvider.System);
        Add<DatabaseOptions, DatabaseOptionsValidator>(builder, DatabaseOptions.Section);
        Add<IdPortenOptions, IdPortenOptionsValidator>(builder, IdPortenOptions.Section);
        Add<KeysOptions, KeysOptionsValidator>(builder, KeysOptions.Section);
        Add<UsersOptions, UsersOptionsValidator>(builder, UsersOptions.Section);
        Add<IdpSessionOptions, IdpSessionOptionsValidator>(builder, IdpSessionOptions.Section);
        Add<TokenOptions, TokenOptionsValidator>(builder, TokenOptions.Section);

        builder.Services.AddSingleton<IValidateOptions<ClientsOptions>, ClientsOptionsValidator>();
        builder.Services.AddOptions<ClientsOptions>()
            .Configure<IConfiguration>((options, configuration) => configuration.GetSection(ClientsOptions.Section).Bind(options.Clients))
            .ValidateOnStart();
        return builder;
    }

    /// <summary>Reads a section for use while services are being registered (before the container exists), validated the same way.</summary>
    public static T GetValidated<T>(this WebApplicationBuilder builder, string section, IValidateOptions<T> validator)
        where T : class, new()
    {
        var options = builder.Configuration.GetSection(section).Get<T>() ?? new T();
        var result = validator.Validate(Options.DefaultName, options);
        if (result.Failed)
        {
            throw new OptionsValidationException(section, typeof(T), result.Failures);
        }

        return options;
    }

    private static void Add<TOptions, TValidator>(WebApplicationBuilder builder, string section)
        where TOptions : class
        where TValidator : class, IValidateOptions<TOptions>
    {
        builder.Services.AddSingleton<IValidateOptions<TOptions>, TValidator>();
        builder.Services.AddOptions<TOptions>().BindConfiguration(section).ValidateOnStart();
    }
}
