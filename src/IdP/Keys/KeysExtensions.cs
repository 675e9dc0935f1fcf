using Educloud.Idp.Settings;

namespace Educloud.Idp.Keys;

public static class KeysExtensions
{
    public static WebApplicationBuilder AddIdpKeys(this WebApplicationBuilder builder)
    {
        var keys = builder.GetValidated(KeysOptions.Section, new KeysOptionsValidator(builder.Environment));
        var users = builder.GetValidated(UsersOptions.Section, new UsersOptionsValidator(builder.Environment));
        builder.Services.AddSingleton(KeyMaterial.Load(keys, users, builder.Environment));
        return builder;
    }
}
