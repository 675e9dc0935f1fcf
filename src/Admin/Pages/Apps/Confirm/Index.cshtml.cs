using System.ComponentModel.DataAnnotations;
using Educloud.Idp.Admin.Api;
using Educloud.Idp.Admin.Hosting;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Educloud.Idp.Admin.Pages.Apps.Confirm;

/// <summary>Disabling an app or rotating its secret: shown first, then done by POST with a reason.</summary>
[Authorize(Policy = ConsoleExtensions.AdminPolicy)]
public sealed class ConfirmAppModel(AdminApiClient api) : PageModel
{
    public sealed class InputModel
    {
        [Required(AllowEmptyStrings = false, ErrorMessage = "ReasonRequired")]
        [StringLength(1000, ErrorMessage = "ReasonTooLong")]
        public string? Reason { get; set; }
    }

    [BindProperty]
    public InputModel Input { get; set; } = new();

    public AppInfo App { get; private set; } = null!;

    public bool Disable { get; private set; }

    public bool Done { get; private set; }

    public string? NewSecret { get; private set; }

    public async Task OnGetAsync(string clientId, string operation, CancellationToken cancellationToken)
    {
        Disable = operation == "disable";
        App = await api.GetAppAsync(clientId, cancellationToken);
    }

    public async Task<IActionResult> OnPostAsync(string clientId, string operation, CancellationToken cancellationToken)
    {
        await OnGetAsync(clientId, operation, cancellationToken);
        if (!ModelState.IsValid || string.IsNullOrWhiteSpace(Input.Reason))
        {
            // A key into Pages/Shared/_FormErrors, as the validation messages are.
            ModelState.AddModelError(string.Empty, "NothingDoneReasonRequired");
            Response.StatusCode = StatusCodes.Status400BadRequest;
            return Page();
        }

        var reason = Input.Reason.Trim();
        if (Disable)
        {
            await api.DisableAppAsync(App.ClientId, reason, cancellationToken);
        }
        else
        {
            // PUT replaces the settings: send the current ones back with rotateSecret.
            var updated = await api.UpdateAppAsync(App.ClientId, new AppRequest(App.ClientId, App.DisplayName, App.ClientType,
                App.TokenEndpointAuthMethod.Contains(' ', StringComparison.Ordinal) ? null : App.TokenEndpointAuthMethod,
                [.. App.RedirectUris], [.. App.PostLogoutRedirectUris], [.. App.Scopes.Distinct(StringComparer.Ordinal)], App.ConsentType,
                RotateSecret: true, Reason: reason), cancellationToken);
            NewSecret = updated.ClientSecret;
            App = updated;
        }

        Done = true;
        return Page();
    }
}
