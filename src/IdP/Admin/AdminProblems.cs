using Microsoft.AspNetCore.Http.HttpResults;

namespace Educloud.Idp.Admin;

/// <summary>The admin API's answers for what it will not do: RFC 9457 problem details with a title the console shows as is.</summary>
internal static class AdminProblems
{
    public static ProblemHttpResult Problem(int status, string title, string? detail = null) =>
        TypedResults.Problem(statusCode: status, title: title, detail: detail);

    public static ProblemHttpResult BadRequest(string title, string? detail = null) => Problem(StatusCodes.Status400BadRequest, title, detail);

    public static ProblemHttpResult Conflict(string title) => Problem(StatusCodes.Status409Conflict, title);

    public static ProblemHttpResult UserNotFound() => Problem(StatusCodes.Status404NotFound, "No such user.");

    public static ProblemHttpResult AppNotFound() => Problem(StatusCodes.Status404NotFound, "No such app.");
}
