using System.ComponentModel.DataAnnotations;
using Educloud.Idp.Admin.Api;

namespace Educloud.Idp.Admin.Pages.Apps;

/// <summary>
/// An app's settings as the Register and Edit screens take them: the same fields, validation and
/// form (<c>_AppSettingsFields</c>); the API validates the values themselves. The error messages
/// are keys into Pages/Shared/_FormErrors (the view says them in the page's language).
/// </summary>
public class AppSettingsInput
{
    [StringLength(200, ErrorMessage = "DisplayNameTooLong")]
    public string? DisplayName { get; set; }

    [RegularExpression("^(confidential|public)$", ErrorMessage = "ClientTypeInvalid")]
    public string ClientType { get; set; } = "confidential";

    [Required(ErrorMessage = "RedirectUrisRequired")]
    public string? RedirectUris { get; set; }

    public string? PostLogoutRedirectUris { get; set; }

    [Required(ErrorMessage = "ScopesRequired")]
    public string? Scopes { get; set; } = "openid profile";

    /// <summary>The client id of the API the app's access tokens are for; empty: the app's own client id.</summary>
    [StringLength(100, ErrorMessage = "AudienceFormat")]
    [RegularExpression("^[A-Za-z0-9._-]*$", ErrorMessage = "AudienceFormat")]
    public string? Audience { get; set; }

    /// <summary>Where the IdP POSTs a logout token when a session the app got tokens in ends; empty: not told.</summary>
    [StringLength(2000, ErrorMessage = "BackChannelTooLong")]
    public string? BackChannelLogoutUri { get; set; }

    public bool BackChannelLogoutSessionRequired { get; set; }

    [Required(ErrorMessage = "ReasonRequired")]
    [StringLength(1000, ErrorMessage = "ReasonTooLong")]
    public string? Reason { get; set; }

    /// <summary>The form prefilled with an app's current settings (no reason: that is for this change).</summary>
    public static AppSettingsInput From(AppInfo app) => new()
    {
        DisplayName = app.DisplayName,
        ClientType = app.ClientType == "public" ? "public" : "confidential",
        RedirectUris = string.Join('\n', app.RedirectUris),
        PostLogoutRedirectUris = string.Join('\n', app.PostLogoutRedirectUris),
        Scopes = string.Join(' ', app.Scopes.Distinct(StringComparer.Ordinal)),
        // The default (the app itself) stays an empty field, so it follows the client id.
        Audience = app.AudienceIsTheApp ? null : app.EffectiveAudience,
        BackChannelLogoutUri = app.BackChannelLogoutUri,
        BackChannelLogoutSessionRequired = app.BackChannelLogoutSessionRequired,
    };

    /// <summary>The API request for these settings (call only when the model state is valid).</summary>
    public AppRequest ToRequest(string clientId, string? tokenEndpointAuthMethod = null, string? consentType = null) =>
        new(clientId, DisplayName, ClientType, tokenEndpointAuthMethod,
            Lines(RedirectUris), Lines(PostLogoutRedirectUris), [.. Scopes!.Split(' ', StringSplitOptions.RemoveEmptyEntries)],
            consentType, Reason: Reason!.Trim(), Audience: string.IsNullOrWhiteSpace(Audience) ? null : Audience.Trim(),
            BackChannelLogoutUri: string.IsNullOrWhiteSpace(BackChannelLogoutUri) ? null : BackChannelLogoutUri.Trim(),
            BackChannelLogoutSessionRequired: BackChannelLogoutSessionRequired);

    /// <summary>The API's refusal of the values (400) or of the change (409): shown on the form; anything else goes to the error page.</summary>
    public static bool IsFormProblem(AdminApiException problem) =>
        problem.Status is StatusCodes.Status400BadRequest or StatusCodes.Status409Conflict;


    private static List<string> Lines(string? text) =>
        [.. (text ?? "").Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)];
}
