using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.WebUtilities;

namespace Educloud.Idp.Admin.Api;

/// <summary>
/// The IdP's admin API, called with the access token the console got when this person logged in
/// (so the API audits them, not the console). Every answer that is not a success becomes an
/// <see cref="AdminApiException"/> with the API's problem title; a 401 sends the person to log in
/// again (<see cref="AdminApiErrorFilter"/>). No answer at all is <see cref="Hosting.IdpUnreachable"/>.
/// </summary>
public sealed class AdminApiClient(HttpClient http, IHttpContextAccessor accessor)
{
    private const string Base = "api/admin/";

    public Task<List<UserSummary>> SearchAsync(string query, CancellationToken cancellationToken) =>
        GetAsync<List<UserSummary>>(Base + "users?q=" + Uri.EscapeDataString(query), cancellationToken);

    public Task<UserDetails> GetUserAsync(string id, CancellationToken cancellationToken) =>
        GetAsync<UserDetails>(Base + "users/" + Uri.EscapeDataString(id), cancellationToken);

    public Task RevokeAuthenticatorAsync(string id, string reason, CancellationToken cancellationToken) =>
        PostAsync(Base + "users/" + Uri.EscapeDataString(id) + "/authenticator/revoke", new ReasonRequest(reason), cancellationToken);

    public Task EndSessionsAsync(string id, string reason, CancellationToken cancellationToken) =>
        PostAsync(Base + "users/" + Uri.EscapeDataString(id) + "/sessions/end", new ReasonRequest(reason), cancellationToken);

    public Task UnlockAsync(string id, string reason, CancellationToken cancellationToken) =>
        PostAsync(Base + "users/" + Uri.EscapeDataString(id) + "/unlock", new ReasonRequest(reason), cancellationToken);

    public async Task<UserSummary> CreateUserAsync(CreateUserRequest request, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(HttpMethod.Post, Base + "users", request, cancellationToken);
        return await ReadAsync<UserSummary>(response, cancellationToken);
    }

    public async Task<EnrollmentCodeResponse> IssueEnrollmentCodeAsync(string id, string reason, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(HttpMethod.Post, Base + "users/" + Uri.EscapeDataString(id) + "/enrollment-codes", new ReasonRequest(reason), cancellationToken);
        return await ReadAsync<EnrollmentCodeResponse>(response, cancellationToken);
    }

    public Task<List<AuditEntry>> AuditAsync(AuditFilter filter, CancellationToken cancellationToken) =>
        GetAsync<List<AuditEntry>>(AuditUrl("audit", filter), cancellationToken);

    public async Task<byte[]> ExportAuditAsync(AuditFilter filter, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(HttpMethod.Get, AuditUrl("audit/export.csv", filter with { Limit = null }), null, cancellationToken);
        return await response.Content.ReadAsByteArrayAsync(cancellationToken);
    }

    public Task<List<AppInfo>> AppsAsync(CancellationToken cancellationToken) =>
        GetAsync<List<AppInfo>>(Base + "apps", cancellationToken);

    public Task<AppInfo> GetAppAsync(string clientId, CancellationToken cancellationToken) =>
        GetAsync<AppInfo>(Base + "apps/" + Uri.EscapeDataString(clientId), cancellationToken);

    public async Task<AppInfo> RegisterAppAsync(AppRequest request, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(HttpMethod.Post, Base + "apps", request, cancellationToken);
        return await ReadAsync<AppInfo>(response, cancellationToken);
    }

    public async Task<AppInfo> UpdateAppAsync(string clientId, AppRequest request, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(HttpMethod.Put, Base + "apps/" + Uri.EscapeDataString(clientId), request, cancellationToken);
        return await ReadAsync<AppInfo>(response, cancellationToken);
    }

    public Task<LogoutDeliveries> LogoutDeliveriesAsync(string clientId, CancellationToken cancellationToken) =>
        GetAsync<LogoutDeliveries>(Base + "apps/" + Uri.EscapeDataString(clientId) + "/logout-deliveries", cancellationToken);

    public Task DisableAppAsync(string clientId, string reason, CancellationToken cancellationToken) =>
        PostAsync(Base + "apps/" + Uri.EscapeDataString(clientId) + "/disable", new ReasonRequest(reason), cancellationToken);

    private static string AuditUrl(string path, AuditFilter filter)
    {
        var query = new Dictionary<string, string?>
        {
            ["userId"] = filter.UserId,
            ["type"] = filter.Type,
            ["from"] = filter.From?.ToString("O", CultureInfo.InvariantCulture),
            ["to"] = filter.To?.ToString("O", CultureInfo.InvariantCulture),
            ["limit"] = filter.Limit?.ToString(CultureInfo.InvariantCulture),
        };
        return QueryHelpers.AddQueryString(Base + path, query.Where(p => !string.IsNullOrEmpty(p.Value)));
    }

    private async Task<T> GetAsync<T>(string url, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(HttpMethod.Get, url, null, cancellationToken);
        return await ReadAsync<T>(response, cancellationToken);
    }

    private async Task PostAsync(string url, object body, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(HttpMethod.Post, url, body, cancellationToken);
    }

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string url, object? body, CancellationToken cancellationToken)
    {
        var context = accessor.HttpContext ?? throw new InvalidOperationException("The admin API is called only while serving a request.");
        var token = await context.GetTokenAsync("access_token")
            ?? throw new AdminApiException(StatusCodes.Status401Unauthorized, "Your login has no access token; log in again.");
        using var request = new HttpRequestMessage(method, url);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        if (body is not null)
        {
            request.Content = JsonContent.Create(body, body.GetType());
        }

        // An IdP that does not answer (refused, timed out) is not caught here: it goes on to the
        // exception handler's 503 page, the same as at sign-in (Hosting/IdpUnreachable).
        var response = await http.SendAsync(request, cancellationToken);
        if (response.IsSuccessStatusCode)
        {
            return response;
        }

        using (response)
        {
            throw await ProblemAsync(response, cancellationToken);
        }
    }

    private static async Task<AdminApiException> ProblemAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var status = (int)response.StatusCode;
        string? title = null, detail = null;
        try
        {
            var text = await response.Content.ReadAsStringAsync(cancellationToken);
            if (text.Length > 0)
            {
                using var problem = JsonDocument.Parse(text);
                title = problem.RootElement.TryGetProperty("title", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null;
                detail = problem.RootElement.TryGetProperty("detail", out var d) && d.ValueKind == JsonValueKind.String ? d.GetString() : null;
            }
        }
        catch (JsonException)
        {
            // Not a problem document (a proxy's page, say): the status explains enough.
        }

        title ??= response.StatusCode switch
        {
            HttpStatusCode.Unauthorized => "Your login to the admin API has expired.",
            HttpStatusCode.Forbidden => "Your role does not allow this.",
            HttpStatusCode.NotFound => "Not found.",
            _ => $"The admin API answered {status} {response.ReasonPhrase}.",
        };
        return new AdminApiException(status, title, detail);
    }

    private static async Task<T> ReadAsync<T>(HttpResponseMessage response, CancellationToken cancellationToken) =>
        await response.Content.ReadFromJsonAsync<T>(cancellationToken)
        ?? throw new AdminApiException(StatusCodes.Status502BadGateway, "The admin API sent an empty answer.");
}
