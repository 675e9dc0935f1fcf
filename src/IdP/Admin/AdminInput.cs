using System.Text.RegularExpressions;
using Educloud.Idp.Data;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Educloud.Idp.Admin;

/// <summary>
/// What the admin API accepts from a caller, checked before anything is looked up or changed: bad
/// input is a 400 that changes nothing (never a 500, never a half-done act).
/// </summary>
internal static partial class AdminInput
{
    /// <summary>A reason that must be given: to revoke an authenticator, to disable an app.</summary>
    public static ProblemHttpResult? RequiredReason(string? reason) =>
        !string.IsNullOrWhiteSpace(reason) && reason.Length <= FieldLimits.Reason ? null : AdminProblems.BadRequest($"A reason (1 to {FieldLimits.Reason} characters) is required.");

    /// <summary>A reason that may be left out.</summary>
    public static ProblemHttpResult? OptionalReason(string? reason) =>
        reason is { Length: > FieldLimits.Reason } ? AdminProblems.BadRequest($"The reason is longer than {FieldLimits.Reason} characters.") : null;

    public static ProblemHttpResult? SearchTerm(string? query) =>
        string.IsNullOrEmpty(query) || query.Length > 200 ? AdminProblems.BadRequest("A search term 'q' of 1 to 200 characters is required.") : null;

    public static ProblemHttpResult? NewClientId(string? clientId) =>
        string.IsNullOrWhiteSpace(clientId) || clientId.Length > 100 || !clientId.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.')
            ? AdminProblems.BadRequest("A clientId of 1 to 100 characters (letters, digits, '-', '_', '.') is required.")
            : null;

    /// <summary>A local person's username, normalised (trimmed, lower case), or the problem with it.</summary>
    public static (string? UserName, ProblemHttpResult? Problem) NewUserName(string? userName)
    {
        var normalised = userName?.Trim().ToLowerInvariant();
        return normalised is null || !UserNamePattern().IsMatch(normalised) || normalised.StartsWith("idporten-", StringComparison.Ordinal)
            ? (null, AdminProblems.BadRequest($"A username of {FieldLimits.UserNameMin} to {FieldLimits.UserName} characters (a-z, 0-9, '.', '_', '-'), not starting with 'idporten-', is required."))
            : (normalised, null);
    }

    public static ProblemHttpResult? NewUserDetails(CreateUserRequest body) =>
        body.DisplayName is { Length: > FieldLimits.DisplayName } || body.Email is { Length: > FieldLimits.Email } || body.Reason is { Length: > FieldLimits.Reason }
            || (body.Email is { Length: > 0 } email && !new System.ComponentModel.DataAnnotations.EmailAddressAttribute().IsValid(email))
            ? AdminProblems.BadRequest($"The display name (at most {FieldLimits.DisplayName}), email (a valid address) or reason (at most {FieldLimits.Reason}) is not acceptable.")
            : null;

    // FieldLimits.UserNameMin to FieldLimits.UserName characters (a generated regex needs a literal).
    [GeneratedRegex("^[a-z0-9][a-z0-9._-]{2,63}$")]
    private static partial Regex UserNamePattern();
}
