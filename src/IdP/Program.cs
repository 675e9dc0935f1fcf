using Educloud.Idp.Admin;
using Educloud.Idp.Connect;
using Educloud.Idp.Data;
using Educloud.Idp.Federation;
using Educloud.Idp.Hosting;
using Educloud.Idp.Keys;
using Educloud.Idp.LocalAccounts;
using Educloud.Idp.Pages;
using Educloud.Idp.Sessions;
using Educloud.Idp.Settings;
using Educloud.Idp.Totp;

// A wrong setting ends the start with one message naming it, not a stack trace.
SettingsFailure.ReportWithoutStackTrace();
var builder = WebApplication.CreateBuilder(args);

builder.AddIdpSettings()
       .AddIdpFixedIssuer()
       .AddIdpKeys()
       .AddIdpData()
       .AddIdpSessions()
       .AddIdpOidcServer()
       .AddIdPortenFederation()
       .AddIdpTotp()
       .AddIdpLocalAccounts()
       .AddIdpPages()
       .AddIdpAdminApi()
       .AddIdpOperations()
       .AddIdpLogRedaction()
       .AddIdpConsoleLogs();

var app = builder.Build();

// `Educloud.Idp migrate` applies database migrations and exits (how Production upgrades);
// `Educloud.Idp grant-role <username-or-user-id> admin|support` gives an admin API role and exits.
var migrateOnly = args.Contains("migrate");
await app.InitializeIdpDatabaseAsync(migrate: migrateOnly || app.Configuration.GetValue<bool>("Database:MigrateOnStartup"));
if (migrateOnly || await GrantRoleCommand.TryRunAsync(app, args))
{
    return;
}

app.UseIdpPipeline();
app.MapIdpConnect();
app.MapIdPortenFederation();
app.MapIdpPages();
app.MapIdpAdminApi();
app.MapIdpOperations();

await app.RunAsync();

/// <summary>The entry point, visible to the in-process tests (WebApplicationFactory).</summary>
public partial class Program;
