using Educloud.Idp.Settings;

namespace Educloud.Idp.Logout;

public static class LogoutExtensions
{
    /// <summary>Logout that reaches the apps: session endings, the outbox and its sender (docs/architecture.md, "Logout that reaches the apps").</summary>
    public static WebApplicationBuilder AddIdpBackChannelLogout(this WebApplicationBuilder builder)
    {
        builder.GetValidated(BackChannelLogoutOptions.Section, new BackChannelLogoutOptionsValidator());
        builder.Services.AddScoped<SessionEndings>();
        builder.Services.AddScoped<OutboxStatus>();
        builder.Services.AddSingleton<LogoutIssuer>();
        builder.Services.AddSingleton<LogoutTokens>();
        builder.Services.AddSingleton<LogoutMetrics>();
        builder.Services.AddSingleton<LogoutSender>();
        builder.Services.AddHostedService<LogoutSenderLoop>();
        builder.Services.AddHttpClient(LogoutSender.HttpClientName, client => client.Timeout = LogoutSender.ReadTimeout)
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler
            {
                ConnectTimeout = LogoutSender.ConnectTimeout,
                // A redirect is not a delivery (section 2.8 asks for 200), and following one would
                // send the logout token somewhere the app did not register.
                AllowAutoRedirect = false,
                UseCookies = false,
            });
        return builder;
    }
}
