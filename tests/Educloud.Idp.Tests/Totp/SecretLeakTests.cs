using System.Collections.Concurrent;
using System.Text;
using System.Text.RegularExpressions;
using Educloud.Idp.Tests.Infrastructure;
using Educloud.Idp.Totp;
using Microsoft.AspNetCore.WebUtilities;

namespace Educloud.Idp.Tests.Totp;

/// <summary>
/// After enrollment, logins, a wrong code, a reuse, an app's code exchange and a refresh: the
/// database holds no TOTP secret (base32 or raw) and no pid, and the logs, with every category
/// (Microsoft.*, OpenIddict.*, System.Net.Http.*) captured at Trace, hold no code, secret, pid,
/// token or authorization code, neither in a message nor in a structured value (LogRedaction).
/// </summary>
public sealed partial class SecretLeakTests : IDisposable
{
    private readonly IdpHost idp = new(new Dictionary<string, string?>
    {
        // What an operator could set; the rules LogRedaction adds must hold whatever they say.
        ["Logging:LogLevel:Default"] = "Trace",
        ["Logging:LogLevel:Microsoft"] = "Trace",
        ["Logging:LogLevel:Microsoft.AspNetCore"] = "Trace",
        ["Logging:LogLevel:Microsoft.AspNetCore.Mvc"] = "Trace",
        ["Logging:LogLevel:Microsoft.AspNetCore.Mvc.RazorPages.Infrastructure.PageActionInvoker"] = "Trace",
        ["Logging:LogLevel:Microsoft.AspNetCore.Hosting.Diagnostics"] = "Trace",
        ["Logging:LogLevel:OpenIddict"] = "Trace",
        ["Logging:LogLevel:System.Net.Http"] = "Trace",
    })
    {
        TraceEverything = true,
    };

    public void Dispose() => idp.Dispose();

    /// <summary>A JWS or JWE (id_token, access or refresh token, OpenIddict's codes): base64url JSON header, then a dot.</summary>
    [GeneratedRegex("eyJ[A-Za-z0-9_-]{8,}\\.[A-Za-z0-9_-]*\\.")]
    private static partial Regex Jwt();

    [Fact]
    public async Task AfterTheFlows_NeitherDatabaseNorLogsHoldSecretsCodesTokensOrPids()
    {
        var pid = Flows.NewPid();
        var codes = new List<string>();
        var visited = new ConcurrentQueue<Uri>();
        var first = Recording(visited);
        (await Flows.LogInAtIdPortenAsync(first, await first.GetAsync(IdpHost.Origin + "/account/login"), pid)).Address.AbsolutePath.Should().Be("/");
        var second = Recording(visited);
        (await Flows.LogInAtIdPortenAsync(second, await second.GetAsync(IdpHost.Origin + "/account/login"), pid)).Address.AbsolutePath.Should().Be("/");
        var secret = idp.Authenticators.SecretOf(pid);
        codes.AddRange(idp.Authenticators.CodesGiven(pid));

        // A wrong code and a replayed one, so the failure paths have logged too.
        var third = Recording(visited);
        var codePage = await Flows.ThroughIdPortenAsync(third, IdpHost.Origin + "/account/login", pid);
        var wrong = TotpCode.Compute(secret, idp.Clock.GetUtcNow().AddHours(1));
        await third.SubmitAsync(codePage, "form[method=post]", new Dictionary<string, string> { ["code"] = wrong });
        await third.SubmitAsync(codePage, "form[method=post]", new Dictionary<string, string> { ["code"] = codes[^1] });
        codes.Add(wrong);

        // An app gets a code, redeems it and refreshes: our own code and tokens pass through the IdP.
        var pkce = Pkce.New();
        await second.GetAsync(Flows.AuthorizeUrl(pkce: pkce));
        var appCode = Flows.RedirectParameters(second)["code"];
        using var backchannel = idp.NewBackchannel();
        var (status, tokens) = await Flows.RedeemCodeAsync(backchannel, appCode, pkce);
        status.Should().Be(200, tokens.ToString());
        var (refreshed, newTokens) = await Flows.RefreshAsync(backchannel, tokens.GetProperty("refresh_token").GetString()!);
        refreshed.Should().Be(200, newTokens.ToString());

        // The app logs out with its id_token as hint; the IdP sends ID-porten's id_token on as its hint.
        var atIdPorten = await second.GetAsync(QueryHelpers.AddQueryString(IdpHost.Origin + "/connect/endsession", new Dictionary<string, string?>
        {
            ["id_token_hint"] = newTokens.GetProperty("id_token").GetString(),
            ["post_logout_redirect_uri"] = IdpHost.AppOrigin + "/signout-callback-oidc",
        }));
        atIdPorten.Body.Should().Contain("Your login session has ended");
        await second.GetAsync(atIdPorten.Document.QuerySelector("a[href]")!.GetAttribute("href")!);
        second.LeftTo!.AbsolutePath.Should().Be("/signout-callback-oidc");

        var ownTokens = new[] { tokens, newTokens }
            .SelectMany(body => new[] { "access_token", "refresh_token", "id_token" }.Select(name => body.GetProperty(name).GetString()!))
            .Append(appCode)
            .ToList();

        // ID-porten's authorization codes, as they reached our callback.
        var upstreamCodes = visited
            .Where(uri => uri.AbsolutePath == "/federation/idporten/callback")
            .Select(uri => QueryHelpers.ParseQuery(uri.Query)["code"].ToString())
            .ToList();
        upstreamCodes.Should().HaveCount(3).And.OnlyContain(code => code.Length >= 16);

        var database = DatabaseFiles.Read(idp, knownStored: IdpHost.AppClientId);
        var base32 = TotpCode.Base32(secret).TrimEnd('=');
        foreach (var file in database)
        {
            DatabaseFiles.Contains(file, Encoding.ASCII.GetBytes(base32)).Should().BeFalse("the base32 secret must not be stored in clear");
            DatabaseFiles.Contains(file, secret).Should().BeFalse("the raw secret must not be stored in clear");
            DatabaseFiles.Contains(file, Encoding.ASCII.GetBytes(pid)).Should().BeFalse("the pid must not be stored in clear");
        }

        idp.Logs.Lines.Should().Contain(line => line.StartsWith("Trace ", StringComparison.Ordinal), "Trace logging is on");
        idp.Logs.Lines.Should().Contain(line => line.StartsWith("Debug OpenIddict.", StringComparison.Ordinal), "useful Debug logging stays");
        AssertNeverLogged(pid, "the pid");
        AssertNeverLogged(base32, "the TOTP secret (base32)");
        AssertNeverLogged(TotpCode.Grouped(secret), "the TOTP secret (grouped)");
        AssertNeverLogged(Convert.ToBase64String(secret), "the TOTP secret (base64)");
        foreach (var token in ownTokens.Concat(upstreamCodes))
        {
            AssertNeverLogged(token, "a token or authorization code");
        }

        Logged().Where(line => Jwt().IsMatch(line)).Should().BeEmpty("no JWT (ID-porten's id_token included) is ever logged");
        foreach (var code in codes)
        {
            // As a number of its own: a 6-digit run inside a longer number or id is not a code.
            Logged().Where(line => Regex.IsMatch(line, $"(?<![0-9]){code}(?![0-9])")).Should().BeEmpty($"a one-time code must never be logged ({code})");
        }
    }

    private IEnumerable<string> Logged() => idp.Logs.Lines.Concat(idp.Logs.StateValues);

    /// <summary>Names the offending lines only (the whole Trace log is far too long for a message).</summary>
    private void AssertNeverLogged(string secret, string what) =>
        Logged().Where(line => line.Contains(secret, StringComparison.Ordinal)).Should().BeEmpty($"{what} must never be logged");

    private TestBrowser Recording(ConcurrentQueue<Uri> visited)
    {
        var browser = idp.NewBrowser();
        browser.AddHost(new Uri(IdpHost.Origin).Host, new RecordingHandler(idp.Server.CreateHandler(), visited));
        return browser;
    }

    /// <summary>Remembers every address the browser asked for (ID-porten's code arrives in one).</summary>
    private sealed class RecordingHandler(HttpMessageHandler inner, ConcurrentQueue<Uri> visited) : DelegatingHandler(inner)
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            visited.Enqueue(request.RequestUri!);
            return base.SendAsync(request, cancellationToken);
        }
    }
}
