using System.Text;
using System.Text.Encodings.Web;
using System.Text.Unicode;
using Microsoft.AspNetCore.Http;

namespace Educloud.IdPortenSimulator;

/// <summary>Plain server-rendered HTML without JavaScript; every value put in it goes through <see cref="E"/>.</summary>
internal static class HtmlPage
{
    private const string Style =
        "body{font-family:system-ui,sans-serif;margin:0;background:#f4f4f4;color:#1a1a1a}" +
        "main{max-width:36rem;margin:2rem auto;background:#fff;padding:1.5rem 2rem;border-radius:.5rem}" +
        "h1{font-size:1.5rem}fieldset{border:1px solid #888;margin:0 0 1rem;padding:.5rem 1rem}" +
        "label{display:inline-block;padding:.25rem 0;max-width:calc(100% - 2rem);vertical-align:top}input[type=text]{display:block;font-size:1rem;padding:.4rem;width:12rem}" +
        "button{font-size:1rem;padding:.5rem 1.5rem;background:#0062ba;color:#fff;border:0;border-radius:.25rem}" +
        ".error{color:#a00000;font-weight:bold}.note{font-size:.9rem;color:#444}iframe{display:none}" +
        "a{color:#0062ba}button.secondary{background:#fff;color:#0062ba;border:1px solid #0062ba;margin-left:1rem}";

    // Non-ASCII letters (æøå in names) stay readable; markup characters are still encoded.
    private static readonly HtmlEncoder Encoder = HtmlEncoder.Create(UnicodeRanges.All);

    public static string E(string value) => Encoder.Encode(value);

    /// <summary>
    /// Writes the page with headers that keep it from being framed, cached, sniffed or leaking its
    /// URL (which holds the authorization parameters) through Referer.
    /// </summary>
    public static IResult Render(
        HttpContext context,
        int statusCode,
        string title,
        string body,
        IEnumerable<string>? formTargets = null,
        IEnumerable<string>? frameSources = null,
        string language = "en")
    {
        // Browsers check form-action against every redirect that follows a form post, and the
        // relying party redirects on (to the research app that started it all), so this test tool
        // allows any http(s) target after its own origin and the client's redirect origins.
        var formAction = Sources(formTargets, "'self'") + " http: https:";
        var frameSrc = Sources(frameSources, null);
        var headers = context.Response.Headers;
        headers.ContentSecurityPolicy =
            $"default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action {formAction}; " +
            $"frame-src {frameSrc}; frame-ancestors 'none'";
        headers.CacheControl = "no-store";
        headers.Pragma = "no-cache";
        headers.XContentTypeOptions = "nosniff";
        headers["Referrer-Policy"] = "no-referrer";

        var html = new StringBuilder()
            .Append("<!DOCTYPE html>\n<html lang=\"").Append(E(language)).Append("\">\n<head>\n<meta charset=\"utf-8\">\n")
            .Append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
            .Append("<title>").Append(E(title)).Append("</title>\n<style>").Append(Style).Append("</style>\n</head>\n<body>\n<main>\n")
            .Append(body)
            .Append("</main>\n</body>\n</html>\n")
            .ToString();
        return Results.Content(html, "text/html; charset=utf-8", Encoding.UTF8, statusCode);
    }

    /// <summary>A 400 page for requests that must not be redirected back (unknown client or redirect URI).</summary>
    public static IResult Error(HttpContext context, string message, int statusCode = StatusCodes.Status400BadRequest) =>
        Render(
            context,
            statusCode,
            "Error — ID-porten simulator",
            $"<h1>Something is wrong with the request</h1>\n<p class=\"error\" role=\"alert\">{E(message)}</p>\n" +
            "<p>The request was not sent back to the service, because the simulator could not tell that it is safe to.</p>\n");

    /// <summary>The origins (scheme://host:port) of absolute http(s) URIs, for CSP source lists.</summary>
    public static IEnumerable<string> Origins(IEnumerable<string?> uris) =>
        uris.Select(u => Uri.TryCreate(u, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp)
                ? uri.GetLeftPart(UriPartial.Authority)
                : null)
            .OfType<string>()
            .Distinct(StringComparer.OrdinalIgnoreCase);

    private static string Sources(IEnumerable<string>? sources, string? self)
    {
        var list = (self is null ? [] : new[] { self }).Concat(sources ?? []).ToList();
        return list.Count == 0 ? "'none'" : string.Join(' ', list);
    }
}
