using System.Text.Json;
using Educloud.Idp.Connect;
using Educloud.Idp.Settings;
using Microsoft.AspNetCore.Http.HttpResults;
using OpenIddict.Abstractions;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace Educloud.Idp.Admin;

/// <summary>
/// A research app between the admin API and OpenIddict: an <see cref="AppRequest"/> checked by the
/// same rules as configured apps (ClientsOptionsValidator) and turned into a descriptor, and a
/// stored app described as an <see cref="AppInfo"/>. What OpenIddict does not know is kept in the
/// descriptor's properties.
/// </summary>
public static class AppDescriptors
{
    /// <summary>"api" for an app registered through the API; absent for an app from configuration.</summary>
    public const string Source = "educloud_source";
    public const string Disabled = "educloud_disabled";
    public const string AuthMethod = ClientAuthenticationRule.Property;
    public const string Consent = "educloud_consent";

    /// <param name="secret">
    /// For a confidential app, its secret: a new one, or the stored one (its hash) when it is kept,
    /// which the application manager recognises as unchanged; null for a public app.
    /// </param>
    public static (OpenIddictApplicationDescriptor? Descriptor, ProblemHttpResult? Problem) Build(
        AppRequest body, string clientId, string? secret, IHostEnvironment environment)
    {
        var confidential = body.ClientType is null or ClientTypes.Confidential;
        if (body.ClientType is not (null or ClientTypes.Confidential or ClientTypes.Public))
        {
            return (null, AdminProblems.BadRequest("clientType must be 'confidential' or 'public'."));
        }

        var method = body.TokenEndpointAuthMethod ?? (confidential ? ClientAuthenticationMethods.ClientSecretBasic : ClientAuthenticationMethods.None);
        var allowed = confidential
            ? new[] { ClientAuthenticationMethods.ClientSecretBasic, ClientAuthenticationMethods.ClientSecretPost }
            : [ClientAuthenticationMethods.None];
        if (!allowed.Contains(method))
        {
            return (null, AdminProblems.BadRequest($"tokenEndpointAuthMethod for a {(confidential ? "confidential" : "public")} app must be one of: {string.Join(", ", allowed)}."));
        }

        if (body.ConsentType is not (null or ConsentTypes.Implicit))
        {
            return (null, AdminProblems.BadRequest("consentType must be 'implicit': research apps are first-party and the IdP has no consent screen."));
        }

        if (body.Scopes is null || body.RedirectUris is null || body.RedirectUris.Count == 0)
        {
            return (null, AdminProblems.BadRequest("redirectUris (at least one) and scopes are required."));
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
            BackChannelLogoutUri = string.IsNullOrEmpty(body.BackChannelLogoutUri) ? null : body.BackChannelLogoutUri,
            BackChannelLogoutSessionRequired = body.BackChannelLogoutSessionRequired,
        };
        var validation = new ClientsOptionsValidator(environment).Validate(null, new ClientsOptions { Clients = [settings] });
        if (validation.Failed)
        {
            return (null, AdminProblems.BadRequest("The app settings are not acceptable.",
                string.Join(" ", validation.Failures.Select(f => f.Replace("Clients:0:", "", StringComparison.Ordinal)))));
        }

        if (body.RedirectUris.Count > 20 || settings.PostLogoutRedirectUris.Count > 20 || body.Scopes.Count > 20 || settings.DisplayName.Length > 200
            || body.RedirectUris.Concat(settings.PostLogoutRedirectUris).Any(u => u.Length > 2000))
        {
            return (null, AdminProblems.BadRequest("Too many or too long values (at most 20 URIs of 2000 characters, 20 scopes, a 200-character name)."));
        }

        var descriptor = ClientRegistrar.Describe(settings);
        descriptor.Properties[Source] = JsonSerializer.SerializeToElement("api");
        descriptor.Properties[AuthMethod] = JsonSerializer.SerializeToElement(method);
        descriptor.Properties[Consent] = JsonSerializer.SerializeToElement(ConsentTypes.Implicit);
        return (descriptor, null);
    }

    public static AppInfo Describe(OpenIddictApplicationDescriptor d)
    {
        var method = d.Properties.TryGetValue(AuthMethod, out var m) && m.ValueKind == JsonValueKind.String
            ? m.GetString()!
            : d.ClientType == ClientTypes.Confidential ? ClientAuthenticationMethods.ClientSecretBasic + " " + ClientAuthenticationMethods.ClientSecretPost : ClientAuthenticationMethods.None;
        var scopes = d.Permissions.Where(p => p.StartsWith(Permissions.Prefixes.Scope, StringComparison.Ordinal))
            .Select(p => p[Permissions.Prefixes.Scope.Length..]).Prepend(Scopes.OpenId).ToList();
        return new AppInfo(d.ClientId!, d.DisplayName, d.ClientType, method, d.ConsentType ?? ConsentTypes.Implicit,
            [.. d.RedirectUris.Select(u => u.OriginalString)], [.. d.PostLogoutRedirectUris.Select(u => u.OriginalString)],
            IsDisabled(d) ? [] : scopes, IsFromConfiguration(d) ? "configuration" : "api", IsDisabled(d),
            Audience: AppAudience.Stored(d.Properties) ?? d.ClientId!,
            BackChannelLogoutUri: Logout.AppBackChannel.StoredUri(d.Properties),
            BackChannelLogoutSessionRequired: Logout.AppBackChannel.StoredSessionRequired(d.Properties));
    }

    public static bool IsFromConfiguration(OpenIddictApplicationDescriptor d) =>
        !d.Properties.TryGetValue(Source, out var source) || source.ValueKind != JsonValueKind.String || source.GetString() != "api";

    public static bool IsDisabled(OpenIddictApplicationDescriptor d) =>
        d.Properties.TryGetValue(Disabled, out var value) && value.ValueKind == JsonValueKind.True;

    /// <summary>Marks the app disabled: with no permission left OpenIddict refuses it at every endpoint (unauthorized_client).</summary>
    public static void Disable(OpenIddictApplicationDescriptor d)
    {
        d.Permissions.Clear();
        d.Properties[Disabled] = JsonSerializer.SerializeToElement(true);
    }
}
