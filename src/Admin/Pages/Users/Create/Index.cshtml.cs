using System.ComponentModel.DataAnnotations;
using Educloud.Idp.Admin.Api;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Educloud.Idp.Admin.Pages.Users.Create;

public sealed class CreateModel(AdminApiClient api) : PageModel
{
    // The error messages are keys into Pages/Shared/_FormErrors.
    public sealed class InputModel
    {
        [Required(ErrorMessage = "UserNameRequired")]
        [StringLength(64, MinimumLength = 3, ErrorMessage = "UserNameLength")]
        public string? UserName { get; set; }

        [StringLength(200, ErrorMessage = "DisplayNameTooLong")]
        public string? DisplayName { get; set; }

        [EmailAddress(ErrorMessage = "EmailInvalid")]
        [StringLength(256, ErrorMessage = "EmailInvalid")]
        public string? Email { get; set; }

        [Required(ErrorMessage = "ReasonRequired")]
        [StringLength(1000, ErrorMessage = "ReasonTooLong")]
        public string? Reason { get; set; }
    }

    [BindProperty]
    public InputModel Input { get; set; } = new();

    public UserSummary? Created { get; private set; }

    /// <summary>The API's refusal of the values (taken, not acceptable), shown on the form.</summary>
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
            Created = await api.CreateUserAsync(new CreateUserRequest(Input.UserName, Input.DisplayName, Input.Email, Input.Reason!.Trim()), cancellationToken);
        }
        catch (AdminApiException problem) when (problem.Status is StatusCodes.Status400BadRequest or StatusCodes.Status409Conflict)
        {
            // The API's rules (username pattern, taken) shown on the form, with what was typed.
            Problem = problem;
            Response.StatusCode = problem.Status;
        }

        return Page();
    }
}
