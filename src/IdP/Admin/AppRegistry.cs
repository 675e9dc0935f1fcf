using System.Security.Cryptography;
using Educloud.Idp.Data;
using Microsoft.AspNetCore.Http.HttpResults;
using OpenIddict.Abstractions;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace Educloud.Idp.Admin;

/// <summary>
/// Research apps (admin only). Apps from configuration are applied at every start (ClientRegistrar),
/// so the API shows them but refuses to change them: configuration stays the one source for those.
/// A confidential app's secret is generated here and shown once, in the answer that made it.
/// </summary>
public sealed class AppRegistry(
    IOpenIddictApplicationManager applications,
    IOpenIddictTokenManager tokens,
    IOpenIddictAuthorizationManager authorizations,
    IHostEnvironment environment,
    AdminActor actor,
    IdpDbContext db,
    Logout.SessionEndings endings)
{
    private const string FromConfiguration = "This app comes from configuration (section Clients); ";

    public async Task<List<AppInfo>> ListAsync(CancellationToken cancellationToken)
    {
        var list = new List<AppInfo>();
        await foreach (var application in applications.ListAsync(count: 1000, offset: 0, cancellationToken))
        {
            list.Add(await DescribeAsync(application, cancellationToken));
        }

        return list;
    }

    public async Task<AppInfo?> FindAsync(string clientId, CancellationToken cancellationToken) =>
        await applications.FindByClientIdAsync(clientId, cancellationToken) is { } application ? await DescribeAsync(application, cancellationToken) : null;

    /// <param name="body">Its clientId already checked (<see cref="AdminInput.NewClientId"/>).</param>
    public async Task<Results<Created<AppInfo>, ProblemHttpResult>> RegisterAsync(AppRequest body, ApiCaller caller, CancellationToken cancellationToken)
    {
        var clientId = body.ClientId!;
        if (await applications.FindByClientIdAsync(clientId, cancellationToken) is not null)
        {
            return AdminProblems.Conflict("An app with this clientId exists.");
        }

        var confidential = body.ClientType is null or ClientTypes.Confidential;
        var secret = confidential ? NewSecret() : null;
        var (descriptor, problem) = AppDescriptors.Build(body, clientId, secret, environment);
        if (problem is not null)
        {
            return problem;
        }

        await applications.CreateAsync(descriptor!, cancellationToken);
        await actor.AuditAsync(caller, AuditEventTypes.AppRegistered, null, clientId, body.Reason, cancellationToken);
        var created = await applications.FindByClientIdAsync(clientId, cancellationToken);
        return TypedResults.Created($"{AdminApiExtensions.BasePath}/apps/{clientId}",
            await DescribeAsync(created!, cancellationToken) with { ClientSecret = secret });
    }

    /// <param name="body">null: refused (400) once the app is known to exist.</param>
    public async Task<Results<Ok<AppInfo>, ProblemHttpResult>> UpdateAsync(string clientId, AppRequest? body, ApiCaller caller, CancellationToken cancellationToken)
    {
        var application = await applications.FindByClientIdAsync(clientId, cancellationToken);
        if (application is null)
        {
            return AdminProblems.AppNotFound();
        }

        if (body is null)
        {
            return AdminProblems.BadRequest("A body is required.");
        }

        var current = new OpenIddictApplicationDescriptor();
        await applications.PopulateAsync(current, application, cancellationToken);
        if (AppDescriptors.IsFromConfiguration(current))
        {
            return AdminProblems.Conflict(FromConfiguration + "change it there.");
        }

        if (body.ClientId is not null && body.ClientId != clientId)
        {
            return AdminProblems.BadRequest("The clientId cannot be changed.");
        }

        var confidential = (body.ClientType ?? current.ClientType) == ClientTypes.Confidential;
        var wasConfidential = current.ClientType == ClientTypes.Confidential;
        var secret = confidential && (body.RotateSecret || !wasConfidential || current.ClientSecret is null) ? NewSecret() : null;
        // A kept secret stays as stored (its hash): the manager sees it unchanged and hashes nothing.
        var (descriptor, problem) = AppDescriptors.Build(body with { ClientType = confidential ? ClientTypes.Confidential : ClientTypes.Public },
            clientId, confidential ? secret ?? current.ClientSecret : null, environment);
        if (problem is not null)
        {
            return problem;
        }

        if (AppDescriptors.IsDisabled(current))
        {
            AppDescriptors.Disable(descriptor!);
        }

        await applications.UpdateAsync(application, descriptor!, cancellationToken);
        if (secret is not null && wasConfidential)
        {
            // A rotated secret: what was issued with the old one is not trusted any more.
            await tokens.RevokeByApplicationIdAsync((await applications.GetIdAsync(application, cancellationToken))!, cancellationToken);
        }

        await actor.AuditAsync(caller, AuditEventTypes.AppUpdated, null, clientId, body.Reason, cancellationToken);
        return TypedResults.Ok(await DescribeAsync(application, cancellationToken) with { ClientSecret = secret });
    }

    /// <summary>It can no longer log anyone in, and its tokens and authorizations are revoked.</summary>
    public async Task<Results<NoContent, ProblemHttpResult>> DisableAsync(string clientId, string reason, ApiCaller caller, CancellationToken cancellationToken)
    {
        var application = await applications.FindByClientIdAsync(clientId, cancellationToken);
        if (application is null)
        {
            return AdminProblems.AppNotFound();
        }

        var descriptor = new OpenIddictApplicationDescriptor();
        await applications.PopulateAsync(descriptor, application, cancellationToken);
        if (AppDescriptors.IsFromConfiguration(descriptor))
        {
            return AdminProblems.Conflict(FromConfiguration + "remove it there.");
        }

        // In one transaction: the app is told (back-channel logout) for each open session in which
        // it got tokens, exactly when it is disabled and its grants revoked; the sessions go on for other apps.
        await using (var transaction = await db.Database.BeginTransactionAsync(cancellationToken))
        {
            await endings.NotifyAppOfOpenSessionsAsync(clientId, cancellationToken);
            AppDescriptors.Disable(descriptor);
            await applications.UpdateAsync(application, descriptor, cancellationToken);
            var id = (await applications.GetIdAsync(application, cancellationToken))!;
            await authorizations.RevokeByApplicationIdAsync(id, cancellationToken);
            await tokens.RevokeByApplicationIdAsync(id, cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }

        await actor.AuditAsync(caller, AuditEventTypes.AppDisabled, null, clientId, reason, cancellationToken);
        return TypedResults.NoContent();
    }

    private async Task<AppInfo> DescribeAsync(object application, CancellationToken cancellationToken)
    {
        var descriptor = new OpenIddictApplicationDescriptor();
        await applications.PopulateAsync(descriptor, application, cancellationToken);
        return AppDescriptors.Describe(descriptor);
    }

    // 256 bits from the system's CSPRNG (RFC 6749 10.10: client credentials must not be guessable).
    private static string NewSecret() => Microsoft.IdentityModel.Tokens.Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(32));
}
