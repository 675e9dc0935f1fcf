using System.ComponentModel.DataAnnotations;
using Educloud.Idp.Admin.Api;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Educloud.Idp.Admin.Pages.Users.Confirm;

/// <summary>
/// Every action on a person goes through this page: GET shows who (name, username, created) and what
/// will happen; POST (antiforgery) needs a reason, does it through the API, and says what was done.
/// </summary>
public sealed class ConfirmModel(AdminApiClient api) : PageModel
{
    public sealed class InputModel
    {
        [Required(AllowEmptyStrings = false, ErrorMessage = "ReasonRequiredTicket")]
        [StringLength(1000, ErrorMessage = "ReasonTooLong")]
        public string? Reason { get; set; }
    }

    [BindProperty]
    public InputModel Input { get; set; } = new();

    public Operation Operation { get; private set; } = null!;

    public UserSummary Person { get; private set; } = null!;

    public bool Done { get; private set; }

    /// <summary>
    /// Whether the caller may change this person (the API decides from its database: only an admin
    /// changes a person who has a role). When not, no form is offered; a POST anyway still goes to
    /// the API, which refuses and audits it, and its answer is shown here.
    /// </summary>
    public bool MayChange { get; private set; }

    /// <summary>The API's refusal (its problem), shown instead of the form.</summary>
    public AdminApiException? Refused { get; private set; }

    public EnrollmentCodeResponse? EnrollmentCode { get; private set; }

    /// <summary>When the authenticator in use was set up: one more fact the person on the phone can confirm.</summary>
    public DateTimeOffset? AuthenticatorAdded { get; private set; }

    public async Task<IActionResult> OnGetAsync(string id, string operation, CancellationToken cancellationToken)
    {
        await LoadAsync(id, operation, cancellationToken);
        if (!MayChange)
        {
            Refused = new AdminApiException(StatusCodes.Status403Forbidden, UserDetails.OnlyAdminMessage);
            Response.StatusCode = StatusCodes.Status403Forbidden;
        }

        return Page();
    }

    public async Task<IActionResult> OnPostAsync(string id, string operation, CancellationToken cancellationToken)
    {
        await LoadAsync(id, operation, cancellationToken);
        if (!ModelState.IsValid || string.IsNullOrWhiteSpace(Input.Reason))
        {
            // A key into Pages/Shared/_FormErrors, as the validation messages are.
            ModelState.AddModelError(string.Empty, "NothingDoneReasonRequired");
            Response.StatusCode = StatusCodes.Status400BadRequest;
            return Page();
        }

        try
        {
            await ActAsync(Input.Reason.Trim(), cancellationToken);
        }
        catch (AdminApiException refused) when (refused.Status is StatusCodes.Status403Forbidden or StatusCodes.Status400BadRequest or StatusCodes.Status409Conflict)
        {
            // The API refused and changed nothing: say why, as the API put it (never an error page).
            Refused = refused;
            Response.StatusCode = refused.Status;
            return Page();
        }

        Done = true;
        return Page();
    }

    private async Task ActAsync(string reason, CancellationToken cancellationToken)
    {
        switch (Operation.Key)
        {
            case "revoke-authenticator":
                await api.RevokeAuthenticatorAsync(Person.Id, reason, cancellationToken);
                break;
            case "end-sessions":
                await api.EndSessionsAsync(Person.Id, reason, cancellationToken);
                break;
            case "unlock":
                await api.UnlockAsync(Person.Id, reason, cancellationToken);
                break;
            case "enrollment-code":
                EnrollmentCode = await api.IssueEnrollmentCodeAsync(Person.Id, reason, cancellationToken);
                break;
        }
    }

    private async Task LoadAsync(string id, string operation, CancellationToken cancellationToken)
    {
        Operation = Operation.All[operation];
        var details = await api.GetUserAsync(id, cancellationToken);
        Person = details.User;
        MayChange = details.MayChange;
        AuthenticatorAdded = details.Current is { } current ? current.ConfirmedAt ?? current.CreatedAt : null;
    }
}
