using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Localization;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Educloud.Shared.Localization;

/// <summary>
/// Which language a page is shown in. In order: the language the app asked for with ui_locales at the
/// start of this login (OIDC Core 3.1.2.1; kept for the browser session), a language the person chose
/// with the switcher (kept a year), the browser's Accept-Language, Bokmål.
/// </summary>
/// <remarks>
/// The person's choice clears the app's wish: a choice made after the app asked is the newer word.
/// The next login an app starts with ui_locales sets its wish again for that login. Both are plain
/// cookies holding a language code; a forged one changes nothing but the language.
/// </remarks>
public static class LanguageSelection
{
    /// <summary>Where the switcher's links go: <c>/language?lang=nn&amp;returnUrl=/the/page</c>.</summary>
    public const string SwitchPath = "/language";

    private const string ChoiceCookieName = "educloud-lang";
    private const string AppCookieName = "educloud-lang-app";

    /// <summary>Registers the localizers (resource files under Resources/, named after the page or type) and the order above.</summary>
    public static IServiceCollection AddEducloudLocalization(this IServiceCollection services)
    {
        services.AddLocalization(options => options.ResourcesPath = "Resources");
        services.AddRazorPages().AddViewLocalization();
        // Razor writes æ, ø and å as themselves, not as &#xE6; (the default encoder allows Basic Latin only).
        services.Configure<Microsoft.Extensions.WebEncoders.WebEncoderOptions>(options =>
            options.TextEncoderSettings = new System.Text.Encodings.Web.TextEncoderSettings(System.Text.Unicode.UnicodeRanges.All));
        services.Configure<RequestLocalizationOptions>(options =>
        {
            // Only the UI culture follows the person; formatting stays invariant (Languages' remarks).
            options.DefaultRequestCulture = new RequestCulture(CultureInfo.InvariantCulture, new CultureInfo(Languages.Default));
            options.SupportedCultures = [CultureInfo.InvariantCulture];
            options.SupportedUICultures = [.. Languages.Cultures];
            options.FallBackToParentUICultures = false;
            options.RequestCultureProviders =
            [
                new LanguageProvider(http => Languages.Match(http.Request.Cookies[CookieName(http, AppCookieName)])),
                new LanguageProvider(http => Languages.Match(http.Request.Cookies[CookieName(http, ChoiceCookieName)])),
                new LanguageProvider(FromAcceptLanguage),
            ];
        });
        return services;
    }

    public static IApplicationBuilder UseEducloudLocalization(this IApplicationBuilder app) => app.UseRequestLocalization();

    /// <summary>The switcher's endpoint: remembers the choice and goes back to the page (a local path only).</summary>
    public static IEndpointConventionBuilder MapLanguageSwitch(this IEndpointRouteBuilder endpoints) =>
        endpoints.MapGet(SwitchPath, (HttpContext http, string? lang, string? returnUrl) =>
        {
            if (Languages.Match(lang) is not { } language)
            {
                return Results.BadRequest("Unknown language.");
            }

            http.Response.Cookies.Append(CookieName(http, ChoiceCookieName), language, CookieOptions(http, TimeSpan.FromDays(365)));
            http.Response.Cookies.Delete(CookieName(http, AppCookieName), CookieOptions(http, null));
            return Results.Redirect(IsLocal(returnUrl) ? returnUrl! : "/");
        });

    /// <summary>
    /// An app's authorization request named languages (ui_locales): the first we have becomes the
    /// language of this login's pages, ahead of an earlier choice (<see cref="LanguageSelection"/>).
    /// </summary>
    public static void RememberAppLanguage(HttpContext http, string? uiLocales)
    {
        if (Languages.FirstOf(uiLocales) is { } language)
        {
            http.Response.Cookies.Append(CookieName(http, AppCookieName), language, CookieOptions(http, maxAge: null));
        }
    }

    /// <summary>The switcher's link to <paramref name="language"/> that comes back to the current page.</summary>
    public static string SwitchUrl(HttpRequest request, string language) =>
        QueryStringFor(language, request.PathBase + request.Path + request.QueryString);

    private static string QueryStringFor(string language, string returnUrl) =>
        SwitchPath + QueryString.Create([new KeyValuePair<string, string?>("lang", language), new KeyValuePair<string, string?>("returnUrl", returnUrl)]);

    // Secure sites get the __Host- prefix (bound to this host, Secure, Path=/); plain-http Development cannot.
    private static string CookieName(HttpContext http, string name) => http.Request.IsHttps ? "__Host-" + name : name;

    private static CookieOptions CookieOptions(HttpContext http, TimeSpan? maxAge) => new()
    {
        HttpOnly = true,
        Secure = http.Request.IsHttps,
        SameSite = SameSiteMode.Lax,
        Path = "/",
        MaxAge = maxAge,
        IsEssential = true,
    };

    private static string? FromAcceptLanguage(HttpContext http) =>
        http.Request.GetTypedHeaders().AcceptLanguage
            .Where(value => value.Quality is null or > 0)
            .OrderByDescending(value => value.Quality ?? 1)
            .Take(10)
            .Select(value => Languages.Match(value.Value.Value))
            .FirstOrDefault(language => language is not null);

    /// <summary>
    /// A path on this site by the framework's own rule (no //host, no /\host), without app-relative
    /// <c>~/</c> (not resolved here) or control characters (a header could not carry them).
    /// </summary>
    private static bool IsLocal(string? url) =>
        url is { Length: <= 8192 } && RedirectHttpResult.IsLocalUrl(url) && url[0] == '/' && !url.Any(char.IsControl);

    private sealed class LanguageProvider(Func<HttpContext, string?> read) : RequestCultureProvider
    {
        public override Task<ProviderCultureResult?> DetermineProviderCultureResult(HttpContext httpContext) =>
            Task.FromResult(read(httpContext) is { } language
                ? new ProviderCultureResult(CultureInfo.InvariantCulture.Name, language)
                : null);
    }
}
