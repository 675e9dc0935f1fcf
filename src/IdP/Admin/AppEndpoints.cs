using Microsoft.AspNetCore.Http.HttpResults;

namespace Educloud.Idp.Admin;

/// <summary>Research apps (admin only), managed by <see cref="AppRegistry"/>.</summary>
public static class AppEndpoints
{
    public static void MapAdminApps(this RouteGroupBuilder api)
    {
        var apps = api.MapGroup("/apps").RequireAuthorization(AdminApiExtensions.AdminPolicy).WithTags("Apps");
        apps.AddEndpointFilter(Hosting.FormActionOrigins.InvalidateAfterChange);
        apps.MapGet("/", ListAsync).WithName("ListApps");
        apps.MapGet("/{clientId}", GetAsync).WithName("GetApp");
        apps.MapPost("/", RegisterAsync).WithName("RegisterApp")
            .WithSummary("Registers a research app. A confidential app's secret is generated and shown only in this response. "
                + "audience: the client id of the API its access tokens are for (their aud; default: the app's own client id).");
        apps.MapPut("/{clientId}", UpdateAsync).WithName("UpdateApp")
            .WithSummary("Replaces an app's settings (rotateSecret: a new secret, shown once). Not for apps from configuration.");
        apps.MapPost("/{clientId}/disable", DisableAsync).WithName("DisableApp")
            .WithSummary("Disables an app: it can no longer log anyone in, its tokens and authorizations are revoked, and it is told "
                + "(back-channel logout) for each open session in which it got tokens. A reason is required.");
        apps.MapGet("/{clientId}/logout-deliveries", DeliveriesAsync).WithName("GetAppLogoutDeliveries")
            .WithSummary("The app's back-channel logout notifications not delivered: pending (being retried) and failed (given up), and the latest 20.");
        api.MapGet("/logout-deliveries", AllDeliveriesAsync).RequireAuthorization(AdminApiExtensions.AdminPolicy).WithTags("Apps")
            .WithName("ListLogoutDeliveries")
            .WithSummary("Every app with back-channel logout notifications pending or failed.");
    }

    private static async Task<Results<Ok<LogoutDeliveries>, ProblemHttpResult>> DeliveriesAsync(
        string clientId, AppRegistry registry, Logout.OutboxStatus outbox, CancellationToken cancellationToken) =>
        await registry.FindAsync(clientId, cancellationToken) is null ? AdminProblems.AppNotFound() : TypedResults.Ok(await outbox.OfAsync(clientId, cancellationToken));

    private static async Task<Ok<List<LogoutDeliveries>>> AllDeliveriesAsync(Logout.OutboxStatus outbox, CancellationToken cancellationToken) =>
        TypedResults.Ok(await outbox.AllAsync(cancellationToken));

    private static async Task<Ok<List<AppInfo>>> ListAsync(AppRegistry registry, CancellationToken cancellationToken) =>
        TypedResults.Ok(await registry.ListAsync(cancellationToken));

    private static async Task<Results<Ok<AppInfo>, ProblemHttpResult>> GetAsync(string clientId, AppRegistry registry, CancellationToken cancellationToken) =>
        await registry.FindAsync(clientId, cancellationToken) is { } app ? TypedResults.Ok(app) : AdminProblems.AppNotFound();

    private static async Task<Results<Created<AppInfo>, ProblemHttpResult>> RegisterAsync(
        AppRequest? body, AppRegistry registry, ApiCaller caller, CancellationToken cancellationToken) =>
        AdminInput.NewClientId(body?.ClientId) is { } problem ? problem : await registry.RegisterAsync(body!, caller, cancellationToken);

    private static Task<Results<Ok<AppInfo>, ProblemHttpResult>> UpdateAsync(
        string clientId, AppRequest? body, AppRegistry registry, ApiCaller caller, CancellationToken cancellationToken) =>
        registry.UpdateAsync(clientId, body, caller, cancellationToken);

    private static async Task<Results<NoContent, ProblemHttpResult>> DisableAsync(
        string clientId, ReasonRequest? body, AppRegistry registry, ApiCaller caller, CancellationToken cancellationToken) =>
        AdminInput.RequiredReason(body?.Reason) is { } problem ? problem : await registry.DisableAsync(clientId, body!.Reason!.Trim(), caller, cancellationToken);
}
