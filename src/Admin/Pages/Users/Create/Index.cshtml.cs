using System.ComponentModel.DataAnnotations;
using Educloud.Idp.Admin.Api;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Educloud.Idp.Admin.Pages.Users.Create;

public sealed class CreateModel(AdminApiClient api) : PageModel
{
    public sealed class InputModel
    {
        [Required(ErrorMessage = "A username is required.")]
        [StringLength(64, MinimumLength = 3)]
        public string? UserName { get; set; }

        [StringLength(200)]
        public string? DisplayName { get; set; }

        [EmailAddress]
        [StringLength(256)]
        public string? Email { get; set; }

        [Required(ErrorMessage = "A reason is required: it goes to the audit log.")]
        [StringLength(1000)]
        public string? Reason { get; set; }
    }

    [BindProperty]
    public InputModel Input { get; set; } = new();

    public UserSummary? Created { get; private set; }

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
            ModelState.AddModelError(string.Empty, problem.Detail is null ? problem.Title : problem.Title + " " + problem.Detail);
            Response.StatusCode = problem.Status;
        }

        return Page();
    }
}
