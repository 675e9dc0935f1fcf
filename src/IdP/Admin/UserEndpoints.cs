using Educloud.Idp.Hosting;
using Educloud.Idp.Sessions;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Educloud.Idp.Admin;

/// <summary>People: find them, read about one, and what support does to them (<see cref="UserActions"/>).</summary>
public static class UserEndpoints
{
    public static void MapAdminUsers(this RouteGroupBuilder api)
    {
        var users = api.MapGroup("/users").RequireAuthorization(AdminApiExtensions.SupportPolicy).WithTags("Users");
        users.MapGet("/", SearchAsync).WithName("SearchUsers")
            .WithSummary("Find people by name, username, email (contains), or national identity number (exact).");
        users.MapGet("/{id}", DetailsAsync).WithName("GetUser");
        users.MapPost("/{id}/authenticator/revoke", RevokeAsync).WithName("RevokeAuthenticator")
            .WithSummary("Revokes the authenticator, ends the sessions and revokes the tokens; a reason is required.");
        users.MapPost("/{id}/sessions/end", EndSessionsAsync).WithName("EndSessions");
        users.MapPost("/{id}/unlock", UnlockAsync).WithName("UnlockUser");
    }

    private static async Task<Results<Ok<List<UserSummary>>, ProblemHttpResult>> SearchAsync(string? q, UserDirectory directory, CancellationToken cancellationToken)
    {
        var query = q?.Trim();
        return AdminInput.SearchTerm(query) is { } problem ? problem : TypedResults.Ok(await directory.SearchAsync(query!, cancellationToken));
    }

    private static async Task<Results<Ok<UserDetails>, ProblemHttpResult>> DetailsAsync(
        string id, UserDirectory directory, ApiCaller caller, CancellationToken cancellationToken) =>
        await directory.DetailsAsync(id, caller, cancellationToken) is { } details ? TypedResults.Ok(details) : AdminProblems.UserNotFound();

    private static async Task<Results<NoContent, ProblemHttpResult>> RevokeAsync(
        string id, ReasonRequest? body, UserActions actions, ApiCaller caller, CancellationToken cancellationToken) =>
        AdminInput.RequiredReason(body?.Reason) is { } problem ? problem : await actions.RevokeAuthenticatorAsync(id, body!.Reason!.Trim(), caller, cancellationToken);

    private static async Task<Results<NoContent, ProblemHttpResult>> EndSessionsAsync(
        string id, ReasonRequest? body, UserActions actions, ApiCaller caller, CancellationToken cancellationToken) =>
        AdminInput.OptionalReason(body?.Reason) is { } problem ? problem : await actions.EndSessionsAsync(id, body?.Reason, caller, cancellationToken);

    private static async Task<Results<NoContent, ProblemHttpResult>> UnlockAsync(
        string id, ReasonRequest? body, UserActions actions, ApiCaller caller, CancellationToken cancellationToken) =>
        AdminInput.OptionalReason(body?.Reason) is { } problem ? problem : await actions.UnlockAsync(id, body?.Reason, caller, cancellationToken);
}

/// <summary>People without ID-porten: support creates them and gives them an enrollment code (<see cref="LocalUsers"/>).</summary>
public static class LocalUserEndpoints
{
    public static void MapAdminLocalUsers(this RouteGroupBuilder api)
    {
        var users = api.MapGroup("/users").RequireAuthorization(AdminApiExtensions.SupportPolicy).WithTags("Users");
        users.MapPost("/", CreateAsync).WithName("CreateLocalUser")
            .WithSummary("Creates a person who logs in with username, password and authenticator (no ID-porten).");
        users.MapPost("/{id}/enrollment-codes", IssueCodeAsync).WithName("IssueEnrollmentCode")
            .WithSummary("Issues a single-use enrollment code (replacing any unused one). The code is shown only in this response.");
    }

    private static async Task<Results<Created<UserSummary>, ProblemHttpResult>> CreateAsync(
        CreateUserRequest? body, LocalUsers localUsers, ApiCaller caller, CancellationToken cancellationToken)
    {
        var (userName, problem) = AdminInput.NewUserName(body?.UserName);
        return (problem ?? AdminInput.NewUserDetails(body!)) is { } refused
            ? refused
            : await localUsers.CreateAsync(userName!, body!, caller, cancellationToken);
    }

    private static async Task<Results<Created<EnrollmentCodeResponse>, ProblemHttpResult>> IssueCodeAsync(
        string id, ReasonRequest? body, LocalUsers localUsers, ApiCaller caller, HttpContext http, CancellationToken cancellationToken)
    {
        if (AdminInput.OptionalReason(body?.Reason) is { } problem)
        {
            return problem;
        }

        var enrollUrl = FixedIssuer.Url(http, AccountPaths.EnrollWithCode);
        var issued = await localUsers.IssueEnrollmentCodeAsync(id, body?.Reason, enrollUrl, caller, cancellationToken);
        if (issued.Result is Created<EnrollmentCodeResponse>)
        {
            // The code is in the answer: no cache may keep it.
            http.Response.Headers.CacheControl = "no-store";
        }

        return issued;
    }
}
