using Educloud.Idp.Admin.Hosting;
using Educloud.Idp.Admin.Localization;

// The support console: an OIDC client of the IdP (code + PKCE, confidential) that reaches data
// only through the IdP's admin API, with the access token it got at login.
var builder = WebApplication.CreateBuilder(args);
builder.AddConsoleSettings()
       .AddConsoleLocalization()
       .AddConsoleLogin()
       .AddAdminApiClient()
       .AddConsolePages();

var app = builder.Build();
app.UseConsolePipeline();
await app.RunAsync();

/// <summary>For WebApplicationFactory in the tests.</summary>
public partial class Program;
