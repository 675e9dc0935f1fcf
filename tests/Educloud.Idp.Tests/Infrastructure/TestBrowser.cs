using System.Net;
using AngleSharp.Html.Dom;
using AngleSharp.Html.Parser;

namespace Educloud.Idp.Tests.Infrastructure;

/// <summary>A page as a browser would hold it: the final response, its address and its parsed HTML.</summary>
public sealed record BrowserPage(Uri Address, HttpStatusCode Status, string Body, IHtmlDocument Document, HttpResponseMessage Response);

/// <summary>
/// A cookie-keeping client that drives whole flows across in-process hosts (the IdP, an app),
/// following redirects like a browser and stopping when a redirect leaves the hosts it knows.
/// </summary>
public sealed class TestBrowser
{
    private readonly Dictionary<string, HttpMessageInvoker> hosts = new(StringComparer.OrdinalIgnoreCase);

    public CookieContainer Cookies { get; } = new();

    /// <summary>The phones of the people using this browser.</summary>
    public AuthenticatorApps Authenticators { get; init; } = new();

    public TimeProvider Clock { get; init; } = TimeProvider.System;

    /// <summary>
    /// Headers sent with every request (e.g. <see cref="IdpHost.PeerHeader"/>: the address this browser
    /// connects from). The browser reads English unless a test says otherwise: most tests read the
    /// pages' words, and the pages default to Bokmål (the Localization tests check every language).
    /// </summary>
    public Dictionary<string, string> Headers { get; } = new(StringComparer.OrdinalIgnoreCase) { ["Accept-Language"] = "en" };

    /// <summary>The redirect that left the known hosts (e.g. to a client's redirect_uri), if any.</summary>
    public Uri? LeftTo { get; private set; }

    public void AddHost(string host, HttpMessageHandler handler) => hosts[host] = new HttpMessageInvoker(handler);

    public Task<BrowserPage> GetAsync(string url) => SendAsync(new HttpRequestMessage(HttpMethod.Get, url));

    public Task<BrowserPage> PostFormAsync(string url, IEnumerable<KeyValuePair<string, string>> fields) =>
        SendAsync(new HttpRequestMessage(HttpMethod.Post, url) { Content = new FormUrlEncodedContent(fields) });

    /// <summary>Submits the form matched by <paramref name="selector"/> with its own fields, overridden by <paramref name="values"/>.</summary>
    public Task<BrowserPage> SubmitAsync(BrowserPage page, string selector = "form", IDictionary<string, string>? values = null, string? submitName = null)
    {
        var form = page.Document.QuerySelector(selector) as IHtmlFormElement
            ?? throw new InvalidOperationException($"No form '{selector}' on {page.Address}:\n{page.Body}");
        var fields = new List<KeyValuePair<string, string>>();
        foreach (var element in form.Elements)
        {
            switch (element)
            {
                case IHtmlInputElement { Type: "checkbox" or "radio", IsChecked: false }:
                case IHtmlInputElement { Type: "submit" or "button" }:
                    continue;
                case IHtmlInputElement input when !string.IsNullOrEmpty(input.Name):
                    fields.Add(new(input.Name!, input.Value));
                    break;
                case IHtmlSelectElement select when !string.IsNullOrEmpty(select.Name):
                    fields.Add(new(select.Name!, select.Value ?? ""));
                    break;
                case IHtmlTextAreaElement area when !string.IsNullOrEmpty(area.Name):
                    fields.Add(new(area.Name!, area.Value));
                    break;
                case IHtmlButtonElement button when submitName is not null && button.Name == submitName:
                    fields.Add(new(button.Name!, button.Value));
                    break;
            }
        }

        foreach (var (name, value) in values ?? new Dictionary<string, string>())
        {
            fields.RemoveAll(f => f.Key == name);
            fields.Add(new(name, value));
        }

        var action = string.IsNullOrEmpty(form.GetAttribute("action")) ? page.Address : new Uri(page.Address, form.GetAttribute("action"));
        return form.Method.Equals("post", StringComparison.OrdinalIgnoreCase)
            ? PostFormAsync(action.AbsoluteUri, fields)
            : GetAsync(action.AbsoluteUri + "?" + string.Join('&', fields.Select(f => Uri.EscapeDataString(f.Key) + "=" + Uri.EscapeDataString(f.Value))));
    }

    public async Task<BrowserPage> SendAsync(HttpRequestMessage request, bool followRedirects = true)
    {
        LeftTo = null;
        for (var hop = 0; hop < 20; hop++)
        {
            var uri = request.RequestUri!;
            if (!hosts.TryGetValue(uri.Host, out var invoker))
            {
                throw new InvalidOperationException($"The browser knows no host for {uri}");
            }

            foreach (var (name, value) in Headers)
            {
                request.Headers.Remove(name);
                request.Headers.TryAddWithoutValidation(name, value);
            }

            var cookieHeader = Cookies.GetCookieHeader(uri);
            if (cookieHeader.Length > 0)
            {
                request.Headers.Add("Cookie", cookieHeader);
            }

            var response = await invoker.SendAsync(request, CancellationToken.None);
            if (response.Headers.TryGetValues("Set-Cookie", out var setCookies))
            {
                foreach (var setCookie in setCookies)
                {
                    Cookies.SetCookies(uri, setCookie);
                }
            }

            var location = response.Headers.Location;
            if (!followRedirects || location is null || (int)response.StatusCode is < 300 or > 399)
            {
                var page = await ToPageAsync(uri, response);
                if (followRedirects && page.Status == HttpStatusCode.OK && page.Body.Contains("<script>document.form.submit();</script>", StringComparison.Ordinal))
                {
                    // What a browser does with a response_mode=form_post page: run its one script.
                    return await SubmitAsync(page, "form[name=form]");
                }

                return page;
            }

            var next = location.IsAbsoluteUri ? location : new Uri(uri, location);
            if (!hosts.ContainsKey(next.Host))
            {
                LeftTo = next;
                return await ToPageAsync(uri, response);
            }

            request = new HttpRequestMessage(HttpMethod.Get, next);
        }

        throw new InvalidOperationException("Too many redirects.");
    }

    private static async Task<BrowserPage> ToPageAsync(Uri uri, HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync();
        var document = new HtmlParser().ParseDocument(body);
        return new BrowserPage(uri, response.StatusCode, body, document, response);
    }
}
