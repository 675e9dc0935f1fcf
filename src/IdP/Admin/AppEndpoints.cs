using System.Security.Cryptography;
using System.Text.Json;
using Educloud.Idp.Connect;
using Educloud.Idp.Data;
using Educloud.Idp.Settings;
using Microsoft.AspNetCore.Http.HttpResults;
using OpenIddict.Abstractions;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace Educloud.Idp.Admin;

public sealed record AppRequest(
    string? ClientId,
    string? DisplayName,
    string? ClientType,
    string? TokenEndpointAuthMethod,
    List<string>? RedirectUris,
    List<string>? PostLogoutRedirectUris,
    List<string>? Scopes,
    string? ConsentType,
    bool RotateSecret = false,
    string? Reason = null,
    string? Audience = null);

public sealed record AppInfo(
    string ClientId,
    string? DisplayName,
    string? ClientType,
    string TokenEndpointAuthMethod,
    string ConsentType,
    IReadOnlyList<string> RedirectUris,
    IReadOnlyList<string> PostLogoutRedirectUris,
    IReadOnlyList<string> Scopes,
    string Source,
    bool Disabled,
    string? ClientSecret = null,
    string? Audience = null);

/// <summary>
/// Research apps (admin only). Apps from configuration are applied at every start (ClientRegistrar),
/// so the API shows them but refuses to change them: configuration stays the one source for those.
/// </summary>
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
            .WithSummary("Disables an app: it can no longer log anyone in, and its tokens and authorizations are revoked. A reason is required.");
    }

    private static async Task<Ok<List<AppInfo>>> ListAsync(IOpenIddictApplicationManager applications, CancellationToken cancellationToken)
    {
        var list = new List<AppInfo>();
        await foreach (var application in applications.ListAsync(count: 1000, offset: 0, cancellationToken))
        {
            list.Add(await DescribeAsync(applications, application, cancellationToken));
        }

        return TypedResults.Ok(list);
    }

    private static async Task<Results<Ok<AppInfo>, ProblemHttpResult>> GetAsync(string clientId, IOpenIddictApplicationManager applications, CancellationToken cancellationToken)
    {
        var application = await applications.FindByClientIdAsync(clientId, cancellationToken);
        return application is null ? AppNotFound() : TypedResults.Ok(await DescribeAsync(applications, application, cancellationToken));
    }

    private static async Task<Results<Created<AppInfo>, ProblemHttpResult>> RegisterAsync(
        AppRequest? body, IOpenIddictApplicationManager applications, IHostEnvironment environment, AdminActor actor, CancellationToken cancellationToken)
    {
        if (body is null || string.IsNullOrWhiteSpace(body.ClientId) || body.ClientId.Length > 100
            || !body.ClientId.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'))
        {
            return Problem(400, "A clientId of 1 to 100 characters (letters, digits, '-', '_', '.') is required.");
        }

        if (await applications.FindByClientIdAsync(body.ClientId, cancellationToken) is not null)
        {
            return Problem(409, "An app with this clientId exists.");
        }

        var confidential = body.ClientType is null or ClientTypes.Confidential;
        var (descriptor, problem) = Build(body, body.ClientId, confidential ? NewSecret() : null, environment);
        if (problem is not null)
        {
            return problem;
        }

        await applications.CreateAsync(descriptor!, cancellationToken);
        await actor.AuditAsync(AuditEventTypes.AppRegistered, null, body.ClientId, body.Reason);
        var created = await applications.FindByClientIdAsync(body.ClientId, cancellationToken);
        return TypedResults.Created($"{AdminApiExtensions.BasePath}/apps/{body.ClientId}",
            await DescribeAsync(applications, created!, cancellationToken) with { ClientSecret = descriptor!.ClientSecret });
    }

    private static async Task<Results<Ok<AppInfo>, ProblemHttpResult>> UpdateAsync(
        string clientId, AppRequest? body, IOpenIddictApplicationManager applications, IOpenIddictTokenManager tokens, IHostEnvironment environment, AdminActor actor, CancellationToken cancellationToken)
    {
        var application = await applications.FindByClientIdAsync(clientId, cancellationToken);
        if (application is null)
        {
            return AppNotFound();
        }

        if (body is null)
        {
            return Problem(400, "A body is required.");
        }

        var current = new OpenIddictApplicationDescriptor();
        await applications.PopulateAsync(current, application, cancellationToken);
        if (IsFromConfiguration(current))
        {
            return Problem(409, "This app comes from configuration (section Clients); change it there.");
        }

        if (body.ClientId is not null && body.ClientId != clientId)
        {
            return Problem(400, "The clientId cannot be changed.");
        }

        var confidential = (body.ClientType ?? current.ClientType) == ClientTypes.Confidential;
        var wasConfidential = current.ClientType == ClientTypes.Confidential;
        var secret = confidential && (body.RotateSecret || !wasConfidential) ? NewSecret() : null;
        var (descriptor, problem) = Build(body with { ClientType = confidential ? ClientTypes.Confidential : ClientTypes.Public }, clientId, secret ?? (confidential ? new string('k', 32) : null), environment);
        if (problem is not null)
        {
            return problem;
        }

        if (confidential && secret is null)
        {
            descriptor!.ClientSecret = current.ClientSecret; // the stored hash: unchanged
        }

        if (IsDisabled(current))
        {
            descriptor!.Permissions.Clear();
            descriptor.Properties[Disabled] = JsonSerializer.SerializeToElement(true);
        }

        await applications.UpdateAsync(application, descriptor!, cancellationToken);
        if (secret is not null && wasConfidential)
        {
            // A rotated secret: what was issued with the old one is not trusted any more.
            await tokens.RevokeByApplicationIdAsync((await applications.GetIdAsync(application, cancellationToken))!, cancellationToken);
        }

        await actor.AuditAsync(AuditEventTypes.AppUpdated, null, clientId, body.Reason);
        return TypedResults.Ok(await DescribeAsync(applications, application, cancellationToken) with { ClientSecret = secret });
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> DisableAsync(
        string clientId, ReasonRequest? body, IOpenIddictApplicationManager applications, IOpenIddictTokenManager tokens,
        IOpenIddictAuthorizationManager authorizations, AdminActor actor, CancellationToken cancellationToken)
    {
        if (!UserEndpoints.ValidReason(body?.Reason))
        {
            return Problem(400, "A reason (1 to 1000 characters) is required.");
        }

        var application = await applications.FindByClientIdAsync(clientId, cancellationToken);
        if (application is null)
        {
            return AppNotFound();
        }

        var descriptor = new OpenIddictApplicationDescriptor();
        await applications.PopulateAsync(descriptor, application, cancellationToken);
        if (IsFromConfiguration(descriptor))
        {
            return Problem(409, "This app comes from configuration (section Clients); remove it there.");
        }

        // No permission left: OpenIddict refuses the app at every endpoint (unauthorized_client).
        descriptor.Permissions.Clear();
        descriptor.Properties[Disabled] = JsonSerializer.SerializeToElement(true);
        await applications.UpdateAsync(application, descriptor, cancellationToken);
        var id = (await applications.GetIdAsync(application, cancellationToken))!;
        await authorizations.RevokeByApplicationIdAsync(id, cancellationToken);
        await tokens.RevokeByApplicationIdAsync(id, cancellationToken);
        await actor.AuditAsync(AuditEventTypes.AppDisabled, null, clientId, body!.Reason!.Trim());
        return TypedResults.NoContent();
    }

    public const string Source = "educloud_source";
    public const string Disabled = "educloud_disabled";
    public const string AuthMethod = ClientAuthenticationRule.Property;
    public const string Consent = "educloud_consent";

    private static (OpenIddictApplicationDescriptor? Descriptor, ProblemHttpResult? Problem) Build(AppRequest body, string clientId, string? secret, IHostEnvironment environment)
    {
        var confidential = body.ClientType is null or ClientTypes.Confidential;
        if (body.ClientType is not (null or ClientTypes.Confidential or ClientTypes.Public))
        {
            return (null, Problem(400, "clientType must be 'confidential' or 'public'."));
        }

        var method = body.TokenEndpointAuthMethod ?? (confidential ? ClientAuthenticationMethods.ClientSecretBasic : ClientAuthenticationMethods.None);
        var allowed = confidential
            ? new[] { ClientAuthenticationMethods.ClientSecretBasic, ClientAuthenticationMethods.ClientSecretPost }
            : [ClientAuthenticationMethods.None];
        if (!allowed.Contains(method))
        {
            return (null, Problem(400, $"tokenEndpointAuthMethod for a {(confidential ? "confidential" : "public")} app must be one of: {string.Join(", ", allowed)}."));
        }

        if (body.ConsentType is not (null or ConsentTypes.Implicit))
        {
            return (null, Problem(400, "consentType must be 'implicit': research apps are first-party and the IdP has no consent screen."));
        }

        if (body.Scopes is null || body.RedirectUris is null || body.RedirectUris.Count == 0)
        {
            return (null, Problem(400, "redirectUris (at least one) and scopes are required."));
        }

        var settings = new ClientSettings
        {
            ClientId = clientId,
            DisplayName = body.DisplayName ?? "",
            ClientSecret = secret,
            RedirectUris = body.RedirectUris,
            PostLogoutRedirectUris = body.PostLogoutRedirectUris ?? [],
            Scopes = body.Scopes,
            // The aud of the app's access tokens (absent or empty: the client id), see AppAudience.
            Audience = body.Audience,
        };
        var validation = new ClientsOptionsValidator(environment).Validate(null, new ClientsOptions { Clients = [settings] });
        if (validation.Failed)
        {
            return (null, Problem(400, "The app settings are not acceptable.",
                string.Join(" ", validation.Failures.Select(f => f.Replace("Clients:0:", "", StringComparison.Ordinal)))));
        }

        if (body.RedirectUris.Count > 20 || settings.PostLogoutRedirectUris.Count > 20 || body.Scopes.Count > 20 || settings.DisplayName.Length > 200
            || body.RedirectUris.Concat(settings.PostLogoutRedirectUris).Any(u => u.Length > 2000))
        {
            return (null, Problem(400, "Too many or too long values (at most 20 URIs of 2000 characters, 20 scopes, a 200-character name)."));
        }

        var descriptor = ClientRegistrar.Describe(settings);
        descriptor.Properties[Source] = JsonSerializer.SerializeToElement("api");
        descriptor.Properties[AuthMethod] = JsonSerializer.SerializeToElement(method);
        descriptor.Properties[Consent] = JsonSerializer.SerializeToElement(ConsentTypes.Implicit);
        return (descriptor, null);
    }

    private static async Task<AppInfo> DescribeAsync(IOpenIddictApplicationManager applications, object application, CancellationToken cancellationToken)
    {
        var d = new OpenIddictApplicationDescriptor();
        await applications.PopulateAsync(d, application, cancellationToken);
        var method = d.Properties.TryGetValue(AuthMethod, out var m) && m.ValueKind == JsonValueKind.String
            ? m.GetString()!
            : d.ClientType == ClientTypes.Confidential ? ClientAuthenticationMethods.ClientSecretBasic + " " + ClientAuthenticationMethods.ClientSecretPost : ClientAuthenticationMethods.None;
        var scopes = d.Permissions.Where(p => p.StartsWith(Permissions.Prefixes.Scope, StringComparison.Ordinal))
            .Select(p => p[Permissions.Prefixes.Scope.Length..]).Prepend(Scopes.OpenId).ToList();
        return new AppInfo(d.ClientId!, d.DisplayName, d.ClientType, method, d.ConsentType ?? ConsentTypes.Implicit,
            [.. d.RedirectUris.Select(u => u.OriginalString)], [.. d.PostLogoutRedirectUris.Select(u => u.OriginalString)],
            IsDisabled(d) ? [] : scopes, IsFromConfiguration(d) ? "configuration" : "api", IsDisabled(d),
            Audience: AppAudience.Stored(d.Properties) ?? d.ClientId!);
    }

    private static bool IsFromConfiguration(OpenIddictApplicationDescriptor d) =>
        !d.Properties.TryGetValue(Source, out var source) || source.ValueKind != JsonValueKind.String || source.GetString() != "api";

    private static bool IsDisabled(OpenIddictApplicationDescriptor d) =>
        d.Properties.TryGetValue(Disabled, out var value) && value.ValueKind == JsonValueKind.True;

    private static string NewSecret() => Microsoft.IdentityModel.Tokens.Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(32));

    private static ProblemHttpResult Problem(int status, string title, string? detail = null) => UserEndpoints.Problem(status, title, detail);

    private static ProblemHttpResult AppNotFound() => Problem(404, "No such app.");
}
