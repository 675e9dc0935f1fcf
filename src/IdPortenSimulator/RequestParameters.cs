using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;

namespace Educloud.IdPortenSimulator;

/// <summary>
/// The parameters of one request (query or form), checked once for what OAuth forbids everywhere:
/// repeated parameters (RFC 6749 3.1), and anything oversized or malformed.
/// </summary>
internal sealed partial class RequestParameters
{
    public const int MaxValueLength = 4096;
    private const int MaxNameLength = 256;
    private const int MaxCount = 64;

    private readonly IReadOnlyDictionary<string, StringValues> values;

    private RequestParameters(IReadOnlyDictionary<string, StringValues> values, string? problem)
    {
        this.values = values;
        Problem = problem;
    }

    /// <summary>The first thing wrong with the request as a whole, phrased for error_description; null when none.</summary>
    public string? Problem { get; }

    public static RequestParameters FromQuery(HttpRequest request) =>
        Create(request.Query.ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal));

    /// <summary>Null when the body is not a readable application/x-www-form-urlencoded form.</summary>
    public static async Task<RequestParameters?> FromFormAsync(HttpRequest request)
    {
        // OAuth bodies are always urlencoded; multipart would only widen what can be sent.
        if (!request.HasFormContentType ||
            !request.ContentType!.StartsWith("application/x-www-form-urlencoded", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        try
        {
            var form = await request.ReadFormAsync(request.HttpContext.RequestAborted);
            return Create(form.ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal));
        }
        catch (Exception e) when (e is InvalidDataException or BadHttpRequestException or IOException)
        {
            // Limits from WithFormOptions were exceeded, the body was cut, or it was not a form.
            return null;
        }
    }

    /// <summary>The names of every parameter sent.</summary>
    public IEnumerable<string> Names => values.Keys;

    /// <summary>The value, or null when absent or empty (RFC 6749 3.1: an empty parameter counts as omitted).</summary>
    public string? this[string name] =>
        values.TryGetValue(name, out var v) && v.Count == 1 && !string.IsNullOrEmpty(v[0]) ? v[0] : null;

    /// <summary>True when the parameter is present but unusable (repeated or oversized).</summary>
    public bool IsBad(string name) =>
        values.TryGetValue(name, out var v) && (v.Count > 1 || (v.Count == 1 && v[0]!.Length > MaxValueLength));

    private static RequestParameters Create(Dictionary<string, StringValues> values)
    {
        string? problem = null;
        if (values.Count > MaxCount)
        {
            problem = "Too many parameters.";
        }
        else
        {
            foreach (var (name, value) in values)
            {
                if (name.Length == 0 || name.Length > MaxNameLength)
                {
                    problem = "A parameter name is empty or too long.";
                }
                else if (value.Count > 1)
                {
                    problem = $"The parameter {Describe(name)} is repeated.";
                }
                else if (value.Count == 1 && value[0]!.Length > MaxValueLength)
                {
                    problem = $"The parameter {Describe(name)} is longer than {MaxValueLength} characters.";
                }

                if (problem is not null)
                {
                    break;
                }
            }
        }

        return new RequestParameters(values, problem);
    }

    // Names are attacker input and end up in error_description, whose character set is restricted
    // (RFC 6749 4.1.2.1), so only plain names are quoted.
    private static string Describe(string name) => PlainName().IsMatch(name) ? $"'{name}'" : "(unnamed)";

    [GeneratedRegex("^[a-z_]{1,40}$")]
    private static partial Regex PlainName();
}
