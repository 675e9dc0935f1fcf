using Educloud.Idp.Settings;
using Educloud.Shared.Branding;
using Educloud.Shared.Localization;

namespace Educloud.Idp.Localization;

/// <summary>
/// The pages in Bokmål, Nynorsk and English (docs/localization.md): resource files under Resources/
/// named after each page (Resources/Pages/Account/Code/Index.nb.resx for /Pages/Account/Code/Index.cshtml),
/// shared texts in <see cref="SharedTexts"/>, and the Branding settings every page shows.
/// </summary>
public static class LocalizationExtensions
{
    public static WebApplicationBuilder AddIdpLocalization(this WebApplicationBuilder builder)
    {
        builder.Services.AddEducloudLocalization();
        builder.GetValidated(BrandingOptions.Section, new BrandingOptionsValidator());
        return builder;
    }
}

/// <summary>Texts more than one page shows (the layout, the support contact, common buttons): Resources/Localization/SharedTexts.*.resx.</summary>
public sealed class SharedTexts;

/// <summary>A login's level of assurance (its acr) in the page's words, never the raw value.</summary>
public static class LevelWords
{
    public static string For(Microsoft.Extensions.Localization.IStringLocalizer<SharedTexts> texts, string? acr) => acr switch
    {
        AcrLevels.Substantial or AcrLevels.High or "idporten-loa-low" => texts["Level_" + acr],
        Educloud.Idp.LocalAccounts.LocalAccountExtensions.Acr => texts["Level_local"],
        null or "" => "",
        _ => texts["Level_other"],
    };
}
