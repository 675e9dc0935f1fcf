// The support console. For now only a running shell: the admin issue makes it an OIDC client of
// the IdP (code + PKCE) that works through the IdP's admin API, never the database.
var builder = WebApplication.CreateBuilder(args);
builder.Services.AddHealthChecks();

var app = builder.Build();
app.Use(async (context, next) =>
{
    context.Response.Headers.ContentSecurityPolicy = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'";
    context.Response.Headers.XContentTypeOptions = "nosniff";
    context.Response.Headers["Referrer-Policy"] = "no-referrer";
    await next(context);
});

app.MapGet("/", () => Results.Content(
    """
    <!DOCTYPE html>
    <html lang="en"><head><meta charset="utf-8"><title>Educloud IdP support console</title></head>
    <body><main><h1>Educloud IdP support console</h1>
    <p>Not open yet: finding users, revoking authenticators and enrollment codes come in a coming release.</p>
    </main></body></html>
    """, "text/html; charset=utf-8"));
app.MapHealthChecks("/health/live");

await app.RunAsync();
