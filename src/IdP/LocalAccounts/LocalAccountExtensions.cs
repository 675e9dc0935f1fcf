using Educloud.Idp.Sessions;
using Microsoft.Extensions.Options;

namespace Educloud.Idp.LocalAccounts;

/// <summary>People without ID-porten: username + password + authenticator, enrolled with a code from support.</summary>
public static class LocalAccountExtensions
{
    /// <summary>The acr of a local login (password and authenticator): not an ID-porten level.</summary>
    public const string Acr = "educloud-local-pwd-otp";

    /// <summary>What a correct password proves, in the shape of an upstream login (no upstream session).</summary>
    public static UpstreamLogin PasswordLogin => new(null, Acr, ["pwd"]);

    public static bool IsPasswordLogin(this PendingLogin pending) => pending.Upstream.Amr.Contains("pwd") && pending.Upstream.SessionId is null;

    public static WebApplicationBuilder AddIdpLocalAccounts(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<IValidateOptions<LocalAccountOptions>, LocalAccountOptionsValidator>();
        builder.Services.AddOptions<LocalAccountOptions>().BindConfiguration(LocalAccountOptions.Section).ValidateOnStart();
        builder.Services.AddScoped<EnrollmentCodes>();
        return builder;
    }
}
