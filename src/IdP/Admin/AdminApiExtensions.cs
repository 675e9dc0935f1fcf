using System.Security.Claims;
using Microsoft.AspNetCore.Authorization;
using Educloud.Idp.Connect;
using OpenIddict.Abstractions;
using OpenIddict.Validation.AspNetCore;

namespace Educloud.Idp.Admin;

/// <summary>
/// The admin API (/api/admin): bearer access tokens issued by this IdP with the admin_api scope and
/// audience, validated locally with token and authorization entry validation (a revoked token or
/// authorization stops working at once), and the person's role (admin or support) in the token.
/// </summary>
public static class AdminApiExtensions
{
    public const string SupportPolicy = "admin_api.support";
    public const string AdminPolicy = "admin_api.admin";
    public const string BasePath = "/api/admin";

    public static WebApplicationBuilder AddIdpAdminApi(this WebApplicationBuilder builder)
    {
        builder.Services.AddOpenIddict()
            .AddValidation(options =>
            {
                options.UseLocalServer();
                options.UseAspNetCore();
                options.EnableTokenEntryValidation();
                options.EnableAuthorizationEntryValidation();
            });

        builder.Services.AddAuthorizationBuilder()
            .AddPolicy(SupportPolicy, policy => policy
                .AddAuthenticationSchemes(OpenIddictValidationAspNetCoreDefaults.AuthenticationScheme)
                .RequireAuthenticatedUser()
                .RequireAssertion(context => HasRoleNowAsync(context, AdminRoles.Admin, AdminRoles.Support)))
            .AddPolicy(AdminPolicy, policy => policy
                .AddAuthenticationSchemes(OpenIddictValidationAspNetCoreDefaults.AuthenticationScheme)
                .RequireAuthenticatedUser()
                .RequireAssertion(context => HasRoleNowAsync(context, AdminRoles.Admin)));

        builder.Services.AddProblemDetails();
        // Unreadable JSON is the caller's mistake: a 400 problem, in Development too (which would throw).
        builder.Services.Configure<RouteHandlerOptions>(options => options.ThrowOnBadRequest = false);
        builder.Services.AddOpenApi("v1", options =>
        {
            options.ShouldInclude = description => description.RelativePath?.StartsWith("api/admin", StringComparison.Ordinal) == true;
            options.AddDocumentTransformer<AdminApiSecurityScheme>();
        });
        builder.Services.AddScoped<AdminActor>();
        builder.Services.AddScoped<UserDirectory>();
        builder.Services.AddScoped<UserActions>();
        builder.Services.AddScoped<LocalUsers>();
        builder.Services.AddScoped<AppRegistry>();
        return builder;
    }

    public static WebApplication MapIdpAdminApi(this WebApplication app)
    {
        app.MapOpenApi("/openapi/{documentName}.json");
        var api = app.MapGroup(BasePath).DisableAntiforgery();
        api.MapAdminUsers();
        api.MapAdminLocalUsers();
        api.MapAdminApps();
        api.MapAdminAudit();
        return app;
    }

    /// <summary>
    /// A token for the admin API, and one of the given roles held both in the token and in the
    /// database now: a role taken away stops working at once, not when the access token expires
    /// (ASVS 4.0.3 V4.1.3). The roles the caller acts with are kept for <see cref="ApiCaller"/>.
    /// </summary>
    private static async Task<bool> HasRoleNowAsync(AuthorizationHandlerContext context, params string[] roles)
    {
        if (!HasRole(context.User, roles) || context.Resource is not HttpContext http
            || context.User.GetClaim(OpenIddictConstants.Claims.Subject) is not { } subject)
        {
            return false;
        }

        var db = http.RequestServices.GetRequiredService<Data.IdpDbContext>();
        var held = await AdminActor.RolesOfAsync(db, subject, http.RequestAborted);
        var acting = context.User.GetClaims(OpenIddictConstants.Claims.Role).Intersect(held, StringComparer.Ordinal).ToList();
        http.Items[ApiCaller.RolesItem] = acting;
        return roles.Any(acting.Contains);
    }

    /// <summary>A token for the admin API: its scope, its audience, and one of the given roles.</summary>
    internal static bool HasRole(ClaimsPrincipal user, params string[] roles) =>
        user.HasScope(IdpScopes.AdminApi)
        && user.GetAudiences().Contains(IdpScopes.AdminApiAudience, StringComparer.Ordinal)
        && roles.Any(role => user.GetClaims(OpenIddictConstants.Claims.Role).Contains(role, StringComparer.Ordinal));
}
