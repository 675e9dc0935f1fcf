using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Educloud.Idp.Admin;

/// <summary>
/// Tells readers of /openapi/v1.json (and the tools they generate clients with) how every admin
/// API call authenticates: a bearer access token from this IdP with the admin_api scope.
/// </summary>
internal sealed class AdminApiSecurityScheme : IOpenApiDocumentTransformer
{
    public const string Name = "Bearer";

    public Task TransformAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        document.Components ??= new OpenApiComponents();
        document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
        document.Components.SecuritySchemes[Name] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.Http,
            Scheme = "bearer",
            BearerFormat = "JWT",
            Description = "An access token issued by this IdP (authorization code + PKCE) with the admin_api scope, "
                + "for a person with the role admin or support. Apps are managed by admins only.",
        };
        document.Security ??= [];
        document.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(Name, document)] = [] });
        return Task.CompletedTask;
    }
}
