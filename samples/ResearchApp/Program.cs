using Educloud.ResearchApp.Api;
using Educloud.ResearchApp.BackChannelLogout;
using Educloud.ResearchApp.Login;
using Educloud.ResearchApp.Settings;

// A research app that logs people in through the Educloud IdP: copy it. Each feature is one folder:
// Settings/ (what to configure), Login/ (OpenID Connect, cookie session, refresh), Api/ (a resource
// server for the IdP's access tokens), BackChannelLogout/ (the IdP ends this app's sessions).
var builder = WebApplication.CreateBuilder(args);
builder.AddAppSettings()
       .AddLogin()
       .AddApi();
builder.Services.AddRazorPages();

var app = builder.Build();
app.UseSecurityHeaders();
app.UseStaticFiles();
app.UseRouting();
app.UseAuthentication();
app.UseAuthorization();
app.MapLogin();
app.MapApi();
app.MapBackChannelLogout();
app.MapRazorPages();
await app.RunAsync();

/// <summary>For WebApplicationFactory in the tests.</summary>
public partial class Program;
