using MimeKit;
using Microsoft.Extensions.Options;

namespace Educloud.Idp.Mail;

/// <summary>How the connection to the SMTP server is protected (MailKit's SecureSocketOptions, named for operators).</summary>
public enum MailSecurity
{
    /// <summary>STARTTLS, required: the connection fails if the server does not offer it (port 587).</summary>
    StartTls,

    /// <summary>TLS from the first byte (implicit TLS, port 465; RFC 8314 prefers it).</summary>
    Tls,

    /// <summary>No TLS: only for a relay on the same host or in tests.</summary>
    None,
}

/// <summary>The SMTP server the IdP sends its few emails through (address confirmations, notices of change).</summary>
public sealed class MailOptions
{
    public const string Section = "Mail";

    /// <summary>The SMTP server. Empty: no email is sent (the log says so once at start).</summary>
    public string? Host { get; set; }

    public int Port { get; set; } = 587;

    public MailSecurity Security { get; set; } = MailSecurity.StartTls;

    /// <summary>Login at the SMTP server, when it asks for one (with <see cref="Password"/>, from the environment: Mail__Password).</summary>
    public string? UserName { get; set; }

    public string? Password { get; set; }

    /// <summary>The sender, e.g. "Educloud Research &lt;no-reply@educloud.no&gt;".</summary>
    public string? From { get; set; }

    /// <summary>How long one send may take (connect, TLS, login, message) before it is given up and logged.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);

    internal bool Enabled => !string.IsNullOrWhiteSpace(Host);
}

internal sealed class MailOptionsValidator : IValidateOptions<MailOptions>
{
    public ValidateOptionsResult Validate(string? name, MailOptions options)
    {
        if (!options.Enabled)
        {
            return ValidateOptionsResult.Success;
        }

        var errors = new List<string>();
        if (options.Port is < 1 or > 65535)
        {
            errors.Add("Mail:Port must be between 1 and 65535.");
        }

        if (!Enum.IsDefined(options.Security))
        {
            errors.Add("Mail:Security must be StartTls, Tls or None.");
        }

        if (string.IsNullOrWhiteSpace(options.From) || !MailboxAddress.TryParse(options.From, out var from) || string.IsNullOrEmpty(from.Address) || !from.Address.Contains('@', StringComparison.Ordinal))
        {
            errors.Add("Mail:From must be an email address, e.g. \"Educloud Research <no-reply@educloud.no>\", when Mail:Host is set.");
        }

        if (string.IsNullOrEmpty(options.UserName) != string.IsNullOrEmpty(options.Password))
        {
            errors.Add("Mail:UserName and Mail:Password go together: set both (the password from the environment, Mail__Password) or neither.");
        }

        if (options.Timeout <= TimeSpan.Zero || options.Timeout > TimeSpan.FromMinutes(2))
        {
            errors.Add("Mail:Timeout must be more than 00:00:00 and at most 00:02:00.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
