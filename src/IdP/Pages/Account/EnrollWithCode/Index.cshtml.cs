using Educloud.Idp.Data;
using Educloud.Idp.LocalAccounts;
using Educloud.Idp.Sessions;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.RateLimiting;

namespace Educloud.Idp.Pages.Account.EnrollWithCode;

/// <summary>
/// A person without ID-porten redeems the enrollment code from support: sets a password, then goes
/// on to set up the authenticator (/account/enroll, unlocked by a PendingLogin with purpose enroll).
/// The code is used once; the session starts only after the authenticator is confirmed.
/// </summary>
[AllowAnonymous]
[EnableRateLimiting(LocalAccountExtensions.PasswordSubmissionPolicy)]
public sealed partial class EnrollWithCodeModel(
    UserManager<IdpUser> users,
    EnrollmentCodes codes,
    PasswordThrottle throttle,
    AuditLog audit,
    LoginFlow flow,
    ILogger<EnrollWithCodeModel> logger) : PageModel
{
    public bool Failed { get; private set; }

    /// <summary>Why the chosen password was refused; the view says it in the person's language.</summary>
    public IReadOnlyList<PasswordProblem> PasswordProblems { get; private set; } = [];

    public string? UserName { get; private set; }

    public void OnGet() => Response.Headers.CacheControl = "no-store";

    public async Task<IActionResult> OnPostAsync(string? username, string? code, string? password, string? confirm)
    {
        Response.Headers.CacheControl = "no-store";
        UserName = username?.Length <= FieldLimits.UserName ? username : null;
        var user = string.IsNullOrWhiteSpace(username) || username.Length > FieldLimits.UserName || string.IsNullOrWhiteSpace(code) || code.Length > FieldLimits.EnrollmentCode
            ? null
            : await users.FindByNameAsync(username.Trim());
        if (user is null || user.PidHash is not null || !await codes.IsValidAsync(user.Id, code!, HttpContext.RequestAborted))
        {
            LogRefused(logger);
            Failed = true;
            Response.StatusCode = StatusCodes.Status400BadRequest;
            return Page();
        }

        var errors = new List<PasswordProblem>();
        if (string.IsNullOrEmpty(password) || password != confirm)
        {
            errors.Add(PasswordProblem.NotTheSame);
        }
        else
        {
            foreach (var validator in users.PasswordValidators)
            {
                var result = await validator.ValidateAsync(users, user, password);
                errors.AddRange(result.Errors.Select(e => PasswordProblemOf(e.Code)));
            }
        }

        if (errors.Count > 0)
        {
            PasswordProblems = [.. errors.Distinct()];
            Response.StatusCode = StatusCodes.Status400BadRequest;
            return Page();
        }

        // One conditional UPDATE decides: a code used by a racing request is refused here.
        if (!await codes.TryUseAsync(user.Id, code!, HttpContext.RequestAborted))
        {
            LogRefused(logger);
            Failed = true;
            Response.StatusCode = StatusCodes.Status400BadRequest;
            return Page();
        }

        if (await users.HasPasswordAsync(user))
        {
            await users.RemovePasswordAsync(user);
        }

        var added = await users.AddPasswordAsync(user, password!);
        if (!added.Succeeded)
        {
            PasswordProblems = [.. added.Errors.Select(e => PasswordProblemOf(e.Code)).Distinct()];
            Response.StatusCode = StatusCodes.Status400BadRequest;
            return Page();
        }

        await users.SetLockoutEndDateAsync(user, null);
        await users.ResetAccessFailedCountAsync(user);
        throttle.Forget(user.UserName!);
        await audit.WriteAsync(AuditEventTypes.EnrollmentCodeUsed, user.Id, new(HttpContext.Connection.RemoteIpAddress), cancellationToken: HttpContext.RequestAborted);
        // The enrollment code and the new password are the first factor; the authenticator comes next.
        return Redirect((await flow.FirstFactorDoneAsync(HttpContext, user, FirstFactor.Password, LoginPurpose.Enroll, AccountPaths.Start, clientId: null))!);
    }

    private static PasswordProblem PasswordProblemOf(string identityCode) => identityCode switch
    {
        nameof(IdentityErrorDescriber.PasswordTooShort) => PasswordProblem.TooShort,
        nameof(IdentityErrorDescriber.PasswordRequiresUniqueChars) => PasswordProblem.TooFewUniqueChars,
        CommonPasswordValidator.CommonCode => PasswordProblem.TooCommon,
        CommonPasswordValidator.RepeatedCode => PasswordProblem.RepeatedOrSequence,
        CommonPasswordValidator.ContextCode => PasswordProblem.TooCloseToName,
        _ => PasswordProblem.NotAccepted,
    };

    [LoggerMessage(EventId = 6102, Level = LogLevel.Information, Message = "Enrollment code refused")]
    private static partial void LogRefused(ILogger logger);
}

/// <summary>Why a new password was refused (the words are in the page's resource files).</summary>
public enum PasswordProblem
{
    NotAccepted,
    NotTheSame,
    TooShort,
    TooFewUniqueChars,
    TooCommon,
    RepeatedOrSequence,
    TooCloseToName,
}
