using Educloud.Idp.Admin.Api;
using Educloud.Shared.Branding;
using Educloud.Shared.Localization;
using Microsoft.Extensions.Options;

namespace Educloud.Idp.Admin.Localization;

/// <summary>
/// The console in Bokmål, Nynorsk and English, chosen as on the IdP's pages (docs/localization.md):
/// resource files under Resources/ named after each page, shared texts in <see cref="SharedTexts"/>,
/// and the Branding settings the layout shows.
/// </summary>
public static class ConsoleLocalization
{
    public static WebApplicationBuilder AddConsoleLocalization(this WebApplicationBuilder builder)
    {
        builder.Services.AddEducloudLocalization();
        // Checked at start like the Idp section: a bad support address stops the console, naming the key.
        builder.Services.AddSingleton<IValidateOptions<BrandingOptions>, BrandingOptionsValidator>();
        builder.Services.AddOptions<BrandingOptions>().Bind(builder.Configuration.GetSection(BrandingOptions.Section)).ValidateOnStart();
        return builder;
    }
}

/// <summary>Texts more than one console page shows (the layout, the support contact): Resources/Localization/SharedTexts.*.resx.</summary>
public sealed class SharedTexts;

/// <summary>
/// The admin API answers in English (its problem titles are for any client). The refusals the
/// console expects are named here, so the page says them in its own words
/// (Pages/Shared/_ApiProblem); any other is shown as the API put it, marked as English.
/// </summary>
public static class ApiProblemWords
{
    private static readonly Dictionary<string, string> Known = new(StringComparer.Ordinal)
    {
        [UserDetails.OnlyAdminMessage] = "OnlyAdmin",
        ["No such user."] = "NoSuchUser",
        ["No such app."] = "NoSuchApp",
        ["The username is taken."] = "UserNameTaken",
        ["Another person has this email address."] = "EmailTaken",
        ["A person with a role in the admin console has this name; choose a name that tells them apart."] = "NameLikeStaff",
        ["This person logs in with ID-porten; enrollment codes are for people without it."] = "IdPortenNoCode",
        ["An app with this clientId exists."] = "ClientIdTaken",
        ["The app settings are not acceptable."] = "AppSettingsRefused",
    };

    /// <summary>The resource key of a refusal the console knows (in Pages/Shared/_ApiProblem), or null.</summary>
    public static string? KeyFor(AdminApiException problem) => Known.GetValueOrDefault(problem.Title);
}
