using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Educloud.Idp.Admin;
using Educloud.Idp.Data;
using Educloud.Idp.Federation;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Educloud.Idp.Tests.Infrastructure;

/// <summary>A person with a token for the admin API, got the real way: ID-porten login, code flow, PKCE.</summary>
public sealed record AdminCaller(string UserId, string Pid, string AccessToken, string? RefreshToken, TestBrowser Browser);

public static class AdminApi
{
    public const string Scope = "openid offline_access admin_api";

    /// <summary>Logs a new person in (creating them), gives them the role (if any), and gets a token for the admin API.</summary>
    public static async Task<AdminCaller> LogInAsync(IdpHost idp, string? role, string scope = Scope, string clientId = IdpHost.AdminClientId)
    {
        var pid = Flows.NewPid();
        var browser = idp.NewBrowser();
        var page = await Flows.LogInAtIdPortenAsync(browser, await browser.GetAsync(IdpHost.Origin + "/account/login"), pid);
        page.Address.AbsolutePath.Should().Be("/", page.Body);
        var userId = await UserIdAsync(idp, pid);
        if (role is not null)
        {
            await GrantAsync(idp, userId, role);
        }

        var (access, refresh) = await TokensAsync(idp, browser, scope, clientId);
        return new AdminCaller(userId, pid, access, refresh, browser);
    }

    /// <summary>A code flow from a browser that has an IdP session.</summary>
    public static async Task<(string Access, string? Refresh)> TokensAsync(IdpHost idp, TestBrowser browser, string scope = Scope, string clientId = IdpHost.AdminClientId)
    {
        var pkce = Pkce.New();
        var (redirect, secret) = clientId == IdpHost.AdminClientId
            ? (IdpHost.AdminRedirectUri, IdpHost.AdminSecret)
            : (IdpHost.AppOrigin + "/signin-oidc", IdpHost.AppSecret);
        await browser.GetAsync(Flows.AuthorizeUrl(clientId: clientId, redirectUri: redirect, scope: scope, pkce: pkce));
        using var backchannel = idp.NewBackchannel();
        var (status, tokens) = await Flows.RedeemCodeAsync(backchannel, Flows.RedirectParameters(browser)["code"], pkce, clientId, secret, redirect);
        status.Should().Be(200, tokens.ToString());
        return (tokens.GetProperty("access_token").GetString()!,
            tokens.TryGetProperty("refresh_token", out var r) ? r.GetString() : null);
    }

    public static async Task GrantAsync(IdpHost idp, string userId, string role)
    {
        await using var scope = idp.Services.CreateAsyncScope();
        var (ok, message) = await GrantRoleCommand.GrantAsync(scope.ServiceProvider, userId, role);
        ok.Should().BeTrue(message);
    }

    public static async Task<string> UserIdAsync(IdpHost idp, string pid)
    {
        await using var scope = idp.Services.CreateAsyncScope();
        var hash = scope.ServiceProvider.GetRequiredService<PidProtector>().LookupHash(pid);
        return await scope.ServiceProvider.GetRequiredService<IdpDbContext>().Users.Where(u => u.PidHash == hash).Select(u => u.Id).SingleAsync();
    }

    public static HttpClient Client(IdpHost idp, string? accessToken)
    {
        var client = idp.NewBackchannel();
        if (accessToken is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        }

        return client;
    }

    public static async Task<(int Status, JsonElement Body, string ContentType)> SendAsync(IdpHost idp, string? accessToken, HttpMethod method, string path, object? body = null)
    {
        using var client = Client(idp, accessToken);
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = JsonContent.Create(body);
        }

        using var response = await client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        JsonElement json;
        try
        {
            json = JsonDocument.Parse(text.Length == 0 ? "{}" : text).RootElement.Clone();
        }
        catch (JsonException)
        {
            json = JsonDocument.Parse(JsonSerializer.Serialize(text)).RootElement.Clone();
        }

        return ((int)response.StatusCode, json, response.Content.Headers.ContentType?.MediaType ?? "");
    }

    public static async Task<T> InScopeAsync<T>(IdpHost idp, Func<IServiceProvider, Task<T>> action)
    {
        await using var scope = idp.Services.CreateAsyncScope();
        return await action(scope.ServiceProvider);
    }
}
