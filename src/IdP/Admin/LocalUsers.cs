using Educloud.Idp.Connect;
using Educloud.Idp.Data;
using Educloud.Idp.LocalAccounts;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace Educloud.Idp.Admin;

/// <summary>People without ID-porten: support creates them and gives them an enrollment code.</summary>
public sealed class LocalUsers(
    IdpDbContext db,
    UserManager<IdpUser> userManager,
    EnrollmentCodes codes,
    AdminActor actor,
    TimeProvider time)
{
    /// <param name="userName">Already checked and normalised (<see cref="AdminInput.NewUserName"/>).</param>
    public async Task<Results<Created<UserSummary>, ProblemHttpResult>> CreateAsync(
        string userName, CreateUserRequest body, ApiCaller caller, CancellationToken cancellationToken)
    {
        if (await userManager.FindByNameAsync(userName) is not null)
        {
            return AdminProblems.Conflict("The username is taken.");
        }

        if (await LookAlikeAsync(body, cancellationToken) is { } lookAlike)
        {
            return lookAlike;
        }

        var user = new IdpUser
        {
            Id = Guid.NewGuid().ToString(),
            UserName = userName,
            DisplayName = string.IsNullOrWhiteSpace(body.DisplayName) ? null : body.DisplayName.Trim(),
            Email = string.IsNullOrWhiteSpace(body.Email) ? null : body.Email.Trim(),
            CreatedAt = time.GetUtcNow(),
        };
        var result = await userManager.CreateAsync(user);
        if (!result.Succeeded)
        {
            return AdminProblems.BadRequest("The user could not be created.", string.Join(" ", result.Errors.Select(e => e.Description)));
        }

        await actor.AuditAsync(caller, AuditEventTypes.LocalUserCreated, user.Id, null, body.Reason, cancellationToken);
        return TypedResults.Created($"{AdminApiExtensions.BasePath}/users/{user.Id}", UserSummary.Of(user));
    }

    /// <param name="enrollUrl">The IdP's page where the code is used (the endpoint knows its own address).</param>
    public async Task<Results<Created<EnrollmentCodeResponse>, ProblemHttpResult>> IssueEnrollmentCodeAsync(
        string id, string? reason, string enrollUrl, ApiCaller caller, CancellationToken cancellationToken)
    {
        var user = await db.Users.FindAsync([id], cancellationToken);
        if (user is null)
        {
            return AdminProblems.UserNotFound();
        }

        if (await actor.RefuseUnlessMayChangeAsync(caller, user, AuditEventTypes.EnrollmentCodeIssued, cancellationToken) is { } refused)
        {
            return refused;
        }

        if (user.PidHash is not null)
        {
            // They set up a new authenticator through ID-porten ("Need a new one-time code?"); a
            // password would be a second, weaker way into their account.
            return AdminProblems.BadRequest("This person logs in with ID-porten; enrollment codes are for people without it.");
        }

        var issued = await codes.IssueAsync(user.Id, caller.UserId, cancellationToken);
        await actor.AuditAsync(caller, AuditEventTypes.EnrollmentCodeIssued, user.Id, null, reason, cancellationToken);
        return TypedResults.Created($"{AdminApiExtensions.BasePath}/users/{user.Id}", new EnrollmentCodeResponse(user.Id, issued.Code, issued.ExpiresAt, enrollUrl));
    }

    /// <summary>
    /// A new person must not pass for an existing one: an email another person already has (people
    /// and apps recognise a person by it), or the name of a person with a role (a fake "admin" in the
    /// console or in an app's greeting). Usernames are unique already.
    /// </summary>
    private async Task<ProblemHttpResult?> LookAlikeAsync(CreateUserRequest body, CancellationToken cancellationToken)
    {
        // Not FindByEmailAsync: emails are not unique in the store (ID-porten people), and it throws on two.
        var email = string.IsNullOrWhiteSpace(body.Email) ? null : userManager.NormalizeEmail(body.Email.Trim());
        if (email is not null && await db.Users.AnyAsync(u => u.NormalizedEmail == email, cancellationToken))
        {
            return AdminProblems.Conflict("Another person has this email address.");
        }

        if (string.IsNullOrWhiteSpace(body.DisplayName))
        {
            return null;
        }

        var name = body.DisplayName.Trim().ToUpperInvariant();
        var privileged = await db.UserRoles
            .Join(db.Roles.Where(r => AdminRoles.All.Contains(r.Name!)), ur => ur.RoleId, r => r.Id, (ur, _) => ur.UserId)
            .Join(db.Users, userId => userId, u => u.Id, (_, u) => new { u.DisplayName, u.NormalizedUserName })
            .ToListAsync(cancellationToken);
        return privileged.Any(p => p.DisplayName?.Trim().ToUpperInvariant() == name || p.NormalizedUserName == name)
            ? AdminProblems.Conflict("A person with a role in the admin console has this name; choose a name that tells them apart.")
            : null;
    }
}
