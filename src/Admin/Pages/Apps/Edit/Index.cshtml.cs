using Educloud.Idp.Admin.Api;
using Educloud.Idp.Admin.Hosting;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Educloud.Idp.Admin.Pages.Apps.Edit;

/// <summary>
/// Changing an app's settings (PUT without rotateSecret): the Register form, prefilled. Apps from
/// configuration (and disabled apps) are not changed here: the page says why, with 409 as the API would.
/// </summary>
[Authorize(Policy = ConsoleExtensions.AdminPolicy)]
public sealed class EditAppModel(AdminApiClient api) : PageModel
{
    [BindProperty]
    public AppSettingsInput Input { get; set; } = new();

    public AppInfo App { get; private set; } = null!;

    /// <summary>Set when the change made a public app confidential: its new secret, shown only now.</summary>
    public AppInfo? SavedWithSecret { get; private set; }

    /// <summary>The API's refusal of the values, shown on the form.</summary>
    public AdminApiException? Problem { get; private set; }

    /// <summary>The app whose settings were saved: the details page says so after the redirect.</summary>
    [TempData]
    public string? Saved { get; set; }

    public async Task OnGetAsync(string clientId, CancellationToken cancellationToken)
    {
        App = await api.GetAppAsync(clientId, cancellationToken);
        if (!App.Editable)
        {
            Response.StatusCode = StatusCodes.Status409Conflict;
            return;
        }

        Input = AppSettingsInput.From(App);
    }

    public async Task<IActionResult> OnPostAsync(string clientId, CancellationToken cancellationToken)
    {
        App = await api.GetAppAsync(clientId, cancellationToken);
        if (!App.Editable)
        {
            Response.StatusCode = StatusCodes.Status409Conflict;
            return Page();
        }

        if (!ModelState.IsValid)
        {
            Response.StatusCode = StatusCodes.Status400BadRequest;
            return Page();
        }

        // PUT replaces the settings: what the form does not show (the token endpoint authentication
        // method, the consent type) is sent back as it is, unless the type changes (then the API's default).
        var method = Input.ClientType == App.ClientType && !App.TokenEndpointAuthMethod.Contains(' ', StringComparison.Ordinal)
            ? App.TokenEndpointAuthMethod
            : null;
        AppInfo updated;
        try
        {
            updated = await api.UpdateAppAsync(App.ClientId, Input.ToRequest(App.ClientId, method, App.ConsentType), cancellationToken);
        }
        catch (AdminApiException problem) when (AppSettingsInput.IsFormProblem(problem))
        {
            Problem = problem;
            Response.StatusCode = problem.Status;
            return Page();
        }

        if (updated.ClientSecret is not null)
        {
            SavedWithSecret = updated;
            return Page();
        }

        Saved = updated.ClientId;
        return Redirect("/apps/" + Uri.EscapeDataString(updated.ClientId));
    }
}
