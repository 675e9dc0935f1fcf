using Educloud.IdPortenSimulator;
using Microsoft.AspNetCore.HttpOverrides;

// The ID-porten simulator alone, served under /idporten-sim on plain HTTP (e.g. --urls
// http://127.0.0.1:5300). It is meant to sit behind a TLS-terminating proxy on the same machine
// (loopback, which ASP.NET Core trusts by default for forwarded headers), so that its issuer, built
// from the request's scheme and Host, is the proxy's https address that the IdP is configured with.
// Its settings and clients come from configuration, section IdPortenSimulator (IdPortenSimulatorOptions):
//   IdPortenSimulator__RequirePushedAuthorizationRequests, __PushedRequestLifetime, __IssuerWithTrailingSlash,
//   __SessionIdleTimeout, __SessionLifetime, __IdTokenLifetime, __CodeLifetime;
//   IdPortenSimulator__Clients__0__ClientId, __ClientSecret or __PublicKeyPem with __KeyId (private_key_jwt, RSA),
//   __RedirectUris__0, __PostLogoutRedirectUris__0, __FrontChannelLogoutUri, __BackChannelLogoutUri.
// Every one is validated at start (OptionsValidator): a bad one stops the process with a message naming it.
var builder = WebApplication.CreateSlimBuilder(args);
builder.Services.AddIdPortenSimulator(options => builder.Configuration.GetSection("IdPortenSimulator").Bind(options));
builder.Services.Configure<ForwardedHeadersOptions>(options =>
    options.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto);

var app = builder.Build();
app.UseForwardedHeaders();
app.MapIdPortenSimulator();
app.MapGet("/health", () => Results.Text("ok"));
await app.RunAsync();
