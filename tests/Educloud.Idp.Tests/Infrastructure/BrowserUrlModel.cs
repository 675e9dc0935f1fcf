namespace Educloud.Idp.Tests.Infrastructure;

/// <summary>
/// How a browser reads a Location header relative to our https page (WHATWG URL parser), reduced
/// to the one question an open redirect asks: does it stay on this site? Conservative: any scheme
/// counts as leaving.
/// </summary>
public static class BrowserUrlModel
{
    public static bool StaysOnSite(string location)
    {
        // WHATWG URL: strip leading and trailing C0 control or space, then remove every ASCII tab or newline.
        var url = location.Trim([.. Enumerable.Range(0, 0x21).Select(c => (char)c)]);
        url = new string([.. url.Where(c => c is not ('\t' or '\n' or '\r'))]);
        if (url.Length == 0)
        {
            return true;
        }

        var colon = url.IndexOf(':', StringComparison.Ordinal);
        if (colon > 0 && char.IsAsciiLetter(url[0]) && url[..colon].All(c => char.IsAsciiLetterOrDigit(c) || c is '+' or '-' or '.'))
        {
            return false;
        }

        // In special schemes (http, https) a backslash is a slash.
        url = url.Replace('\\', '/');
        return !url.StartsWith("//", StringComparison.Ordinal);
    }
}
