using System.ComponentModel.DataAnnotations;
using Educloud.Idp.Admin.Api;
using Educloud.Idp.Admin.Hosting;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Educloud.Idp.Admin.Pages.Apps.Register;

[Authorize(Policy = ConsoleExtensions.AdminPolicy)]
public sealed class RegisterAppModel(AdminApiClient api) : PageModel
{
    public sealed class InputModel
    {
        [Required(ErrorMessage = "A client id is required.")]
        [StringLength(100)]
        public string? ClientId { get; set; }

        [StringLength(200)]
        public string? DisplayName { get; set; }

        [RegularExpression("^(confidential|public)$")]
        public string ClientType { get; set; } = "confidential";

        [Required(ErrorMessage = "At least one redirect URI is required.")]
        public string? RedirectUris { get; set; }

        public string? PostLogoutRedirectUris { get; set; }

        [Required(ErrorMessage = "Scopes are required (at least openid).")]
        public string? Scopes { get; set; } = "openid profile";

        [Required(ErrorMessage = "A reason is required: it goes to the audit log.")]
        [StringLength(1000)]
        public string? Reason { get; set; }
    }

    [BindProperty]
    public InputModel Input { get; set; } = new();

    public AppInfo? Registered { get; private set; }

    public void OnGet()
    {
    }

    public async Task<IActionResult> OnPostAsync(CancellationToken cancellationToken)
    {
        if (!ModelState.IsValid)
        {
            Response.StatusCode = StatusCodes.Status400BadRequest;
            return Page();
        }

        var request = new AppRequest(Input.ClientId!.Trim(), Input.DisplayName, Input.ClientType, null,
            Lines(Input.RedirectUris), Lines(Input.PostLogoutRedirectUris), [.. Input.Scopes!.Split(' ', StringSplitOptions.RemoveEmptyEntries)],
            null, Reason: Input.Reason!.Trim());
        try
        {
            Registered = await api.RegisterAppAsync(request, cancellationToken);
        }
        catch (AdminApiException problem) when (problem.Status is StatusCodes.Status400BadRequest or StatusCodes.Status409Conflict)
        {
            ModelState.AddModelError(string.Empty, problem.Detail is null ? problem.Title : problem.Title + " " + problem.Detail);
            Response.StatusCode = problem.Status;
        }

        return Page();
    }

    private static List<string> Lines(string? text) =>
        [.. (text ?? "").Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)];
}
