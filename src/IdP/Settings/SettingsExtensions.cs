using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Educloud.Idp.Settings;

public static class SettingsExtensions
{
    /// <summary>
    /// The IdP's clock and the research apps of configuration (read only through IOptions). Every other
    /// section is read by its feature's extension with <see cref="GetValidated"/> (Data, Keys, Sessions,
    /// Connect, Federation after the simulator's issuer is settled, Totp, LocalAccounts, Pages).
    /// </summary>
    public static WebApplicationBuilder AddIdpSettings(this WebApplicationBuilder builder)
    {
        // The one clock of the IdP: every security decision asks it (tests swap in FakeTimeProvider).
        builder.Services.TryAddSingleton(TimeProvider.System);
        // The section is the list itself ("Clients:0:ClientId").
        builder.GetValidated(ClientsOptions.Section, new ClientsOptionsValidator(builder.Environment), (section, options) => section.Bind(options.Clients));
        return builder;
    }

    /// <summary>
    /// The one way to read settings: binds <paramref name="section"/> to <typeparamref name="T"/>, registers it
    /// (once) as IOptions&lt;T&gt; checked by <paramref name="validator"/> when the IdP starts (ValidateOnStart), and
    /// returns it validated now, for what must be decided while services are registered. A failure names the
    /// key (each validator's messages do) and stops the start.
    /// </summary>
    /// <param name="bind">How the section fills the options, when not by property names (default).</param>
    public static T GetValidated<T>(this WebApplicationBuilder builder, string section, IValidateOptions<T> validator, Action<IConfigurationSection, T>? bind = null)
        where T : class, new()
    {
        bind ??= (configuration, options) => configuration.Bind(options);
        if (!builder.Services.Any(service => service.ServiceType == typeof(IValidateOptions<T>)))
        {
            builder.Services.AddSingleton(validator);
            builder.Services.AddOptions<T>()
                .Configure<IConfiguration>((options, configuration) => bind(configuration.GetSection(section), options))
                .ValidateOnStart();
        }

        var current = new T();
        bind(builder.Configuration.GetSection(section), current);
        var result = validator.Validate(Options.DefaultName, current);
        if (result.Failed)
        {
            throw new OptionsValidationException(section, typeof(T), result.Failures);
        }

        return current;
    }
}
