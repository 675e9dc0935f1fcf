using System.Net;
using Educloud.Idp.Tests.Infrastructure;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.JsonWebTokens;
using OpenIddict.Abstractions;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace Educloud.Idp.Tests.Connect;

/// <summary>
/// What a login writes and asks for beyond what it needs (docs/performance.md): no row for an
/// id_token, no userinfo request to ID-porten; and what still holds without them.
/// </summary>
public sealed class TokenStorageTests(IdpFixture fixture) : IClassFixture<IdpFixture>
{
    private IdpHost Idp => fixture.Idp;

    [Fact]
    public async Task CodeRedeemed_StoresCodeAccessAndRefreshRows_ButNoIdentityTokenRow()
    {
        var (_, tokens) = await fixture.LogInWithCodeAsync();

        var types = await TokenTypesAsync(Subject(tokens));

        types.Should().Contain([TokenTypeIdentifiers.Private.AuthorizationCode, TokenTypeIdentifiers.AccessToken, TokenTypeIdentifiers.RefreshToken]);
        types.Should().NotContain(TokenTypeIdentifiers.IdentityToken);
    }

    [Fact]
    public async Task RefreshGrant_IssuesAnIdToken_WithoutStoringIt()
    {
        var (_, tokens) = await fixture.LogInWithCodeAsync();
        using var backchannel = Idp.NewBackchannel();

        var (status, refreshed) = await Flows.RefreshAsync(backchannel, tokens.GetProperty("refresh_token").GetString()!);

        status.Should().Be(200, refreshed.ToString());
        refreshed.GetProperty("id_token").GetString().Should().NotBeNullOrEmpty();
        var types = await TokenTypesAsync(Subject(tokens));
        types.Count(t => t == TokenTypeIdentifiers.RefreshToken).Should().Be(2, "the redeemed one and its successor");
        types.Should().NotContain(TokenTypeIdentifiers.IdentityToken);
    }

    [Fact]
    public async Task EndSession_WithTheUsersIdTokenAsHint_LogsOutAtOnce_ThoughTheIdTokenHasNoRow()
    {
        var (browser, tokens) = await fixture.LogInWithCodeAsync();
        var url = QueryHelpers.AddQueryString(IdpHost.Origin + "/connect/endsession", new Dictionary<string, string?>
        {
            ["id_token_hint"] = tokens.GetProperty("id_token").GetString(),
            ["post_logout_redirect_uri"] = IdpHost.AppOrigin + "/signout-callback-oidc",
            ["state"] = "s",
        });

        var page = await browser.GetAsync(url);

        // No confirmation asked: straight on to ID-porten's logout (UpstreamLogoutTests follows it back to the app).
        page.Document.QuerySelector("form button[name=confirm]").Should().BeNull("a valid hint naming the person needs no confirmation");
        page.Address.AbsolutePath.Should().StartWith("/idporten-sim/");
        var again = await browser.GetAsync(Flows.AuthorizeUrl());
        again.Address.AbsolutePath.Should().Be("/account/login", "the session is gone");
    }

    [Fact]
    public async Task IdPortenLogin_SendsOnlyTheTokenRequestUpstream_NoUserinfo()
    {
        var before = Idp.UpstreamRequests.Count;

        await fixture.LoggedInBrowserAsync();

        var sent = Idp.UpstreamRequests.Skip(before).ToList();
        sent.Should().Contain("POST /idporten-sim/token");
        sent.Should().NotContain(r => r.Contains("userinfo", StringComparison.OrdinalIgnoreCase), "the id_token carries everything the IdP reads");
    }

    private static string Subject(System.Text.Json.JsonElement tokens) =>
        new JsonWebToken(tokens.GetProperty("id_token").GetString()).Subject;

    private async Task<List<string?>> TokenTypesAsync(string subject)
    {
        await using var scope = Idp.Services.CreateAsyncScope();
        var manager = scope.ServiceProvider.GetRequiredService<IOpenIddictTokenManager>();
        var types = new List<string?>();
        await foreach (var token in manager.FindBySubjectAsync(subject))
        {
            types.Add(await manager.GetTypeAsync(token));
        }

        return types;
    }
}
