using Microsoft.Extensions.Options;

namespace Educloud.Idp.Admin.Hosting;

/// <summary>How the console reaches the IdP (section <c>Idp</c>): where it is, and who the console is to it.</summary>
public sealed class ConsoleOptions
{
    public const string Section = "Idp";

    /// <summary>The IdP's issuer URL; the admin API is called on the same origin.</summary>
    public string Authority { get; set; } = "";

    /// <summary>The console's client id at the IdP.</summary>
    public string ClientId { get; set; } = "support-console";

    /// <summary>The console's client secret at the IdP (confidential client).</summary>
    public string ClientSecret { get; set; } = "";

    /// <summary>How long the console's login cookie lives without use (it never outlives the access token).</summary>
    public TimeSpan SessionIdleTimeout { get; set; } = TimeSpan.FromMinutes(30);
}

/// <summary>Bad settings stop the console at start, naming the key.</summary>
public sealed class ConsoleOptionsValidator(IHostEnvironment environment) : IValidateOptions<ConsoleOptions>
{
    public ValidateOptionsResult Validate(string? name, ConsoleOptions options)
    {
        var errors = new List<string>();
        if (!Uri.TryCreate(options.Authority, UriKind.Absolute, out var authority) || authority.Scheme is not ("https" or "http"))
        {
            errors.Add($"{ConsoleOptions.Section}:Authority must be an absolute http(s) URL of the IdP.");
        }
        else if (authority.Scheme == "http" && !environment.IsDevelopment())
        {
            errors.Add($"{ConsoleOptions.Section}:Authority must use https outside Development.");
        }

        if (string.IsNullOrWhiteSpace(options.ClientId))
        {
            errors.Add($"{ConsoleOptions.Section}:ClientId is required.");
        }

        if (string.IsNullOrWhiteSpace(options.ClientSecret) || options.ClientSecret.Length < 32)
        {
            errors.Add($"{ConsoleOptions.Section}:ClientSecret is required (at least 32 characters).");
        }
        else if (options.ClientSecret.Contains("DEVELOPMENT-ONLY", StringComparison.Ordinal) && !environment.IsDevelopment())
        {
            errors.Add($"{ConsoleOptions.Section}:ClientSecret is a development secret; set a real one outside Development.");
        }

        if (options.SessionIdleTimeout < TimeSpan.FromMinutes(1) || options.SessionIdleTimeout > TimeSpan.FromHours(8))
        {
            errors.Add($"{ConsoleOptions.Section}:SessionIdleTimeout must be between 00:01:00 and 08:00:00.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
