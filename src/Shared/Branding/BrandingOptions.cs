using Microsoft.Extensions.Options;

namespace Educloud.Shared.Branding;

/// <summary>
/// What the pages say about who runs the service (section <c>Branding</c>): the product's name, an
/// optional logo and how people reach support. The defaults are Educloud Research's.
/// </summary>
public sealed class BrandingOptions
{
    public const string Section = "Branding";

    /// <summary>The name in the header, the page titles and the authenticator app's entry text.</summary>
    public string ProductName { get; set; } = "Educloud Research";

    /// <summary>A logo shown before the name: a path on this site (/brand/logo.svg) or an https URL the CSP allows. None by default.</summary>
    public string? LogoUrl { get; set; }

    /// <summary>Support's email address, shown on every page. Empty: not shown.</summary>
    public string? SupportEmail { get; set; } = "ec-drift@uio.no";

    /// <summary>Support's phone number as people dial it. Empty: not shown.</summary>
    public string? SupportPhone { get; set; } = "22 84 00 04";

    /// <summary>A help page (https). Empty: not shown.</summary>
    public string? SupportUrl { get; set; } = "https://www.uio.no/english/services/it/research/platforms/edu-research/help/two-factor-authentication.html";

    /// <summary>The phone number as a tel: link (digits and a leading +).</summary>
    public string? SupportPhoneLink => string.IsNullOrWhiteSpace(SupportPhone)
        ? null
        : "tel:" + new string([.. SupportPhone.Where(c => char.IsAsciiDigit(c) || c == '+')]);
}

public sealed class BrandingOptionsValidator : IValidateOptions<BrandingOptions>
{
    public ValidateOptionsResult Validate(string? name, BrandingOptions options)
    {
        var failures = new List<string>();
        if (string.IsNullOrWhiteSpace(options.ProductName) || options.ProductName.Length > 60)
        {
            failures.Add("Branding:ProductName must be 1 to 60 characters.");
        }

        if (!string.IsNullOrEmpty(options.LogoUrl) && !IsSitePath(options.LogoUrl) && !IsHttps(options.LogoUrl))
        {
            failures.Add("Branding:LogoUrl must be a path on this site (/brand/logo.svg) or an https URL.");
        }

        if (!string.IsNullOrEmpty(options.SupportEmail)
            && (options.SupportEmail.Length > 254 || options.SupportEmail.Count(c => c == '@') != 1 || options.SupportEmail.Any(char.IsWhiteSpace)))
        {
            failures.Add("Branding:SupportEmail must be one email address.");
        }

        if (!string.IsNullOrEmpty(options.SupportPhone)
            && (options.SupportPhone.Length > 30 || !options.SupportPhone.Any(char.IsAsciiDigit)
                || !options.SupportPhone.All(c => char.IsAsciiDigit(c) || c is ' ' or '+' or '-')))
        {
            failures.Add("Branding:SupportPhone must be a phone number (digits, spaces, + and -).");
        }

        if (!string.IsNullOrEmpty(options.SupportUrl) && !IsHttps(options.SupportUrl))
        {
            failures.Add("Branding:SupportUrl must be an https URL.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static bool IsSitePath(string url) => url.StartsWith('/') && !url.StartsWith("//", StringComparison.Ordinal) && !url.Contains('\\', StringComparison.Ordinal);

    private static bool IsHttps(string url) => Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.Scheme == Uri.UriSchemeHttps;
}
