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
    /// <summary>The settings (shared with Edit) and the client id, chosen only here.</summary>
    public sealed class InputModel : AppSettingsInput
    {
        [Required(ErrorMessage = "ClientIdRequired")]
        [StringLength(100, ErrorMessage = "ClientIdTooLong")]
        public string? ClientId { get; set; }
    }

    [BindProperty]
    public InputModel Input { get; set; } = new();

    public AppInfo? Registered { get; private set; }

    /// <summary>The API's refusal of the values (400) or of the client id (409), shown on the form.</summary>
    public AdminApiException? Problem { get; private set; }

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

        try
        {
            Registered = await api.RegisterAppAsync(Input.ToRequest(Input.ClientId!.Trim()), cancellationToken);
        }
        catch (AdminApiException problem) when (AppSettingsInput.IsFormProblem(problem))
        {
            Problem = problem;
            Response.StatusCode = problem.Status;
        }

        return Page();
    }
}
