using Educloud.Idp.Settings;
using Microsoft.Extensions.Options;

namespace Educloud.Idp.Mail;

public static partial class MailExtensions
{
    /// <summary>The SMTP sender (<see cref="MailOptions"/>); without Mail:Host it sends nothing and says so once at start.</summary>
    public static WebApplicationBuilder AddIdpMail(this WebApplicationBuilder builder)
    {
        builder.GetValidated(MailOptions.Section, new MailOptionsValidator());
        builder.Services.AddSingleton<MailSender>();
        builder.Services.AddHostedService<MailStartupLog>();
        return builder;
    }

    /// <summary>Says once, when the IdP starts, that no email will be sent (an operator reading the log knows why none arrives).</summary>
    private sealed class MailStartupLog(IOptions<MailOptions> options, ILogger<MailSender> logger) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            if (!options.Value.Enabled)
            {
                LogNotConfigured(logger);
            }

            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }

    [LoggerMessage(EventId = 8603, Level = LogLevel.Information, Message = "Mail:Host is not set: no email is sent (address confirmations, notices of authenticator changes). People still see notices at their next login.")]
    private static partial void LogNotConfigured(ILogger logger);
}
