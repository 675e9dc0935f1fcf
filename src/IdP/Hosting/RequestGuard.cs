using Microsoft.Net.Http.Headers;

namespace Educloud.Idp.Hosting;

/// <summary>
/// Refuses, before anything reads it, a request no endpoint of the IdP can serve correctly, so bad
/// input gets a 4xx and never reaches code that would throw on it (docs/architecture.md "Conventions": bad input gives a
/// clear 4xx, never 500; issue 8 item 8). Each rule names the failure it prevents:
/// <list type="bullet">
/// <item>A scheme other than http or https (X-Forwarded-Proto: gopher): OpenIddict cannot build its
/// issuer or redirect URIs from it and threw.</item>
/// <item>A Host that is no host name (a label over 63 characters, a broken IDN "xn--" label, two ports):
/// <see cref="HttpRequest.Host"/> throws on a broken IDN label, and OpenIddict matches no endpoint
/// for a host it cannot put in a URI, so our passthrough handlers found no request.</item>
/// <item>A form body that cannot be read as one: a Content-Type that only starts like a form
/// (OpenIddict checks the prefix, ASP.NET Core the whole value), a charset other than UTF-8 on
/// any body (UTF-7 threw NotSupportedException in the form reader, an unknown one in the JSON reader), multipart (no endpoint takes it), and a form over
/// ASP.NET Core's limits (1024 values, 2 KB keys) or with a NUL in it (%00): ASP.NET Core's form
/// reader throws InvalidDataException for both, and wherever it was first read (OpenIddict at the
/// token, introspection and revocation endpoints and ID-porten's callback, MVC for the pages) that
/// was a 500.</item>
/// <item>Control characters (U+0000 to U+001F, U+007F to U+009F) in a query or form key or value:
/// no parameter of ours may hold one (OAuth values are printable ASCII, RFC 6749 Appendix A; our
/// pages take names, codes and passwords). The OpenID Connect endpoints check this themselves, to
/// answer with an OAuth error (Connect/ParameterRules).</item>
/// </list>
/// </summary>
public static partial class RequestGuard
{
    public static IApplicationBuilder UseIdpRequestGuard(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        var refusal = Check(context.Request) ?? await CheckFormAsync(context.Request);
        if (refusal is { } refused)
        {
            LogRefused(context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(RequestGuard)), refused.Status, refused.Reason);
            context.Response.StatusCode = refused.Status;
            context.Response.Headers.XContentTypeOptions = "nosniff";
            context.Response.Headers.CacheControl = "no-store";
            if (context.Request.Path.StartsWithSegments("/connect"))
            {
                // The OpenID Connect endpoints' clients read errors as JSON (RFC 6749 5.2).
                await context.Response.WriteAsJsonAsync(new Dictionary<string, string>
                {
                    ["error"] = "invalid_request",
                    ["error_description"] = "The request cannot be read: " + refused.Reason + ".",
                }, context.RequestAborted);
                return;
            }

            context.Response.ContentType = "text/plain; charset=utf-8";
            await context.Response.WriteAsync("Bad request: " + refused.Reason + ".", context.RequestAborted);
            return;
        }

        await next(context);
    });

    public readonly record struct Refusal(int Status, string Reason);

    /// <summary>The rules that need no body (scheme, host, content type, query).</summary>
    public static Refusal? Check(HttpRequest request)
    {
        if (request.Scheme is not ("http" or "https"))
        {
            return new(StatusCodes.Status400BadRequest, "the scheme must be http or https");
        }

        if (!IsHostName(request.Headers.Host.ToString()))
        {
            return new(StatusCodes.Status400BadRequest, "the Host header is not a host name");
        }

        if (request.ContentType is { } contentType && ContentTypeProblem(request, contentType) is { } problem)
        {
            return new(StatusCodes.Status415UnsupportedMediaType, problem);
        }

        if (ChecksParameters(request) && request.Query.Any(p => HasControl(p.Key) || p.Value.Any(HasControl)))
        {
            return new(StatusCodes.Status400BadRequest, "a query parameter holds a control character");
        }

        return null;
    }

    private static async Task<Refusal?> CheckFormAsync(HttpRequest request)
    {
        if (!request.HasFormContentType)
        {
            return null;
        }

        IFormCollection form;
        try
        {
            // Read once here (ASP.NET Core keeps it for OpenIddict and model binding), where a form
            // over the limits is the caller's mistake, not an exception in the middle of an endpoint.
            form = await request.ReadFormAsync(request.HttpContext.RequestAborted);
        }
        catch (InvalidDataException)
        {
            // The form reader's answer to a form over its limits (1024 values, 2 KB keys, 4 MB
            // values) and to a NUL in a key or value: where OpenIddict read the form (token,
            // introspection, revocation, ID-porten's callback) that was the 500 of issue 8.
            return new(StatusCodes.Status400BadRequest, "the form cannot be read (too large, or a NUL in it)");
        }

        return ChecksParameters(request) && form.Any(p => HasControl(p.Key) || p.Value.Any(HasControl))
            ? new(StatusCodes.Status400BadRequest, "a form field holds a control character")
            : null;
    }

    private static string? ContentTypeProblem(HttpRequest request, string contentType)
    {
        // OpenIddict reads any body whose type starts like a form; ASP.NET Core's form reader wants exactly one.
        var looksLikeForm = contentType.TrimStart().StartsWith("application/x-www-form-urlencoded", StringComparison.OrdinalIgnoreCase);
        if (!MediaTypeHeaderValue.TryParse(contentType, out var mediaType) || (looksLikeForm && !request.HasFormContentType))
        {
            return "the Content-Type cannot be read";
        }

        if (mediaType.MediaType.StartsWith("multipart/", StringComparison.OrdinalIgnoreCase))
        {
            return "no endpoint takes multipart bodies";
        }

        // Every body we read is UTF-8: forms (RFC 6749 Appendix B; our pages are UTF-8) and JSON (RFC 8259 8.1).
        // An unknown charset threw in ASP.NET Core's JSON reader, UTF-7 in its form reader.
        var charset = mediaType.Charset.HasValue ? mediaType.Charset.Value.Trim('"') : null;
        return charset is not null && !charset.Equals("utf-8", StringComparison.OrdinalIgnoreCase) && !charset.Equals("us-ascii", StringComparison.OrdinalIgnoreCase)
            ? "a body must be UTF-8"
            : null;
    }

    /// <summary>
    /// A DNS name, IPv4 or bracketed IPv6 address, with an optional port, as ASP.NET Core and
    /// <see cref="Uri"/> can both read it (RFC 9110 7.2, RFC 1035 2.3.4 for the lengths).
    /// </summary>
    public static bool IsHostName(string host)
    {
        if (host.Length is 0 or > 261 || !host.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_' or ':' or '[' or ']'))
        {
            return false;
        }

        if (!Uri.TryCreate("http://" + host + "/", UriKind.Absolute, out var uri) || uri.HostNameType == UriHostNameType.Unknown
            || (!string.Equals(uri.Authority, host, StringComparison.OrdinalIgnoreCase) && !string.Equals(uri.Host + ":" + uri.Port, host, StringComparison.OrdinalIgnoreCase)))
        {
            return false;
        }

        if (uri.HostNameType == UriHostNameType.Dns && (uri.Host.Length > 253 || uri.Host.Split('.').Any(label => label.Length is 0 or > 63)))
        {
            return false;
        }

        // HttpRequest.Host decodes IDN labels (xn--) and throws on a broken one.
        return !uri.Host.Split('.').Any(label => label.StartsWith("xn--", StringComparison.OrdinalIgnoreCase)) || IsDecodableIdn(uri.Host);
    }

    private static bool IsDecodableIdn(string host)
    {
        try
        {
            _ = new System.Globalization.IdnMapping().GetUnicode(host);
            return true;
        }
        catch (ArgumentException)
        {
            // IdnMapping has no Try method: ArgumentException is its answer to "not a valid IDN".
            return false;
        }
    }

    // The OpenID Connect server's endpoints check their parameters themselves (ParameterRules), to answer with an OAuth error.
    private static bool ChecksParameters(HttpRequest request) => !request.Path.StartsWithSegments("/connect");

    /// <summary>C0 and C1 controls and DEL: never part of a parameter of ours.</summary>
    public static bool HasControl(string? value) => value is not null && value.Any(char.IsControl);

    [LoggerMessage(EventId = 7001, Level = LogLevel.Information, Message = "Request refused with {Status}: {Reason}")]
    private static partial void LogRefused(ILogger logger, int status, string reason);
}
