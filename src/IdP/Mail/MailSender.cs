using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.Extensions.Options;
using MimeKit;

namespace Educloud.Idp.Mail;

/// <summary>One email to one person: plain text, no secrets (only a confirmation link's one-time token, ever).</summary>
public sealed record MailMessage(string To, string Subject, string Body);

/// <summary>
/// Sends through the SMTP server of <see cref="MailOptions"/> with MailKit, one connection per message
/// (a handful a day: no pool to keep alive). Never throws: a failure is logged and the caller goes on
/// (what must not be lost is also in the database: a notice of change is shown at the next login).
/// </summary>
public sealed partial class MailSender(IOptions<MailOptions> options, ILogger<MailSender> logger)
{
    private MailOptions Settings => options.Value;

    public bool Enabled => Settings.Enabled;

    /// <returns>Whether the SMTP server accepted the message.</returns>
    public async Task<bool> SendAsync(MailMessage message, CancellationToken cancellationToken)
    {
        if (Settings is not { Host: { } host, From: { } from } settings || !settings.Enabled)
        {
            return false;
        }

        var mime = new MimeMessage();
        mime.From.Add(MailboxAddress.Parse(from));
        mime.To.Add(MailboxAddress.Parse(message.To));
        mime.Subject = message.Subject;
        mime.Body = new TextPart("plain") { Text = message.Body };

        // The send has its own bound: a request that called it must not wait on a dead server for long.
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Settings.Timeout);
        using var client = new SmtpClient { Timeout = (int)Settings.Timeout.TotalMilliseconds };
        try
        {
            await client.ConnectAsync(host, settings.Port, Security(settings.Security), timeout.Token);
            if (settings is { UserName: { Length: > 0 } user, Password: { } password })
            {
                await client.AuthenticateAsync(user, password, timeout.Token);
            }

            await client.SendAsync(mime, timeout.Token);
            await client.DisconnectAsync(quit: true, timeout.Token);
            LogSent(logger, message.Subject);
            return true;
        }
        catch (Exception e) when (e is SmtpCommandException or SmtpProtocolException or AuthenticationException or SslHandshakeException
            or IOException or System.Net.Sockets.SocketException or OperationCanceledException or MailKit.ServiceNotConnectedException or NotSupportedException)
        {
            // The exception's type and message say what failed (never the address: personal data).
            LogFailed(logger, message.Subject, e.GetType().Name, e.Message);
            return false;
        }
    }

    private static SecureSocketOptions Security(MailSecurity security) => security switch
    {
        MailSecurity.Tls => SecureSocketOptions.SslOnConnect,
        MailSecurity.None => SecureSocketOptions.None,
        _ => SecureSocketOptions.StartTls,
    };

    [LoggerMessage(EventId = 8601, Level = LogLevel.Information, Message = "Email sent: {Subject}")]
    private static partial void LogSent(ILogger logger, string subject);

    [LoggerMessage(EventId = 8602, Level = LogLevel.Error, Message = "Email not sent ({Subject}): {Error}: {Detail}")]
    private static partial void LogFailed(ILogger logger, string subject, string error, string detail);
}
