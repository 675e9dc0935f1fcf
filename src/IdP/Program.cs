using Educloud.Idp.Admin;
using Educloud.Idp.Connect;
using Educloud.Idp.Data;
using Educloud.Idp.Federation;
using Educloud.Idp.Hosting;
using Educloud.Idp.Keys;
using Educloud.Idp.Localization;
using Educloud.Idp.LocalAccounts;
using Educloud.Idp.Logout;
using Educloud.Idp.Mail;
using Educloud.Idp.Pages;
using Educloud.Idp.Profile;
using Educloud.Idp.Sessions;
using Educloud.Idp.Settings;
using Educloud.Idp.Totp;

// A wrong setting ends the start with one message naming it, not a stack trace.
SettingsFailure.ReportWithoutStackTrace();

// `Educloud.Idp new-idporten-key <path> [2048|3072]` makes the key pair for private_key_jwt at ID-porten
// and prints the public JWK to register at Digdir; it needs no settings, so it runs before they are read.
if (IdPortenKeyCommand.TryRun(args, Console.Out, Console.Error) is { } keyCommandExit)
{
    Environment.ExitCode = keyCommandExit;
    return;
}

var builder = WebApplication.CreateBuilder(args);

builder.AddIdpSettings()
       .AddIdpFixedIssuer()
       .AddIdpKeys()
       .AddIdpData()
       .AddIdpSessions()
       .AddIdpBackChannelLogout()
       .AddIdpOidcServer()
       .AddIdPortenFederation()
       .AddIdpTotp()
       .AddIdpLocalAccounts()
       .AddIdpPages()
       .AddIdpLocalization()
       .AddIdpMail()
       .AddIdpProfile()
       .AddIdpAdminApi()
       .AddIdpOperations()
       .AddIdpLogRedaction()
       .AddIdpConsoleLogs();

var app = builder.Build();

// `Educloud.Idp migrate` applies database migrations and exits (how Production upgrades);
// `Educloud.Idp grant-role <username-or-user-id> admin|support` gives an admin API role and exits;
// `Educloud.Idp end-all-sessions "<reason>"` logs everyone out everywhere and exits (the incident runbook).
var migrateOnly = args.Contains("migrate");
await app.InitializeIdpDatabaseAsync(migrate: migrateOnly || app.Configuration.GetValue<bool>("Database:MigrateOnStartup"));
if (migrateOnly || await GrantRoleCommand.TryRunAsync(app, args) || await EndAllSessionsCommand.TryRunAsync(app, args))
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
