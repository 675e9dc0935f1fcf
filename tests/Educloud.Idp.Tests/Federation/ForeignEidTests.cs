using System.Buffers.Text;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Educloud.Idp.Data;
using Educloud.Idp.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Educloud.Idp.Tests.Federation;

/// <summary>
/// A person with another country's eID (eIDAS) logs in at ID-porten: the id_token has acr
/// eidas-loa-* and no pid. Until the simulator has such a person, ID-porten's answers are changed
/// on their way to the IdP (IdpHost.UpstreamRewriter): the id_token loses its pid and gets an
/// eIDAS level, and is signed again with a key of this test that the simulator's JWKS also lists.
/// </summary>
public sealed class ForeignEidTests : IDisposable
{
    private const string Kid = "foreign-eid-test";
    private readonly RSA key = RSA.Create(2048);
    private readonly IdpHost idp = new();

    public ForeignEidTests() => idp.UpstreamRewriter = RewriteAsync;

    public void Dispose()
    {
        idp.Dispose();
        key.Dispose();
    }

    [Fact]
    public async Task LoginWithoutPid_ShowsWhatToDo_Audited_NoSession()
    {
        var browser = idp.NewBrowser();
        var url = Flows.AuthorizeUrl();

        var simulator = await browser.SubmitAsync(await browser.GetAsync(url));
        var page = await browser.SubmitAsync(simulator, values: new Dictionary<string, string> { ["sim_pid"] = Flows.NewPid(), ["sim_acr"] = Flows.High });

        page.Address.AbsolutePath.Should().Be("/account/foreign-eid", page.Body);
        page.Status.Should().Be(HttpStatusCode.Forbidden);
        page.Body.Should().Contain("enrollment code").And.Contain("/account/enroll-with-code");
        browser.LeftTo.Should().BeNull();
        var audit = await AdminApi.InScopeAsync(idp, s => s.GetRequiredService<IdpDbContext>().AuditEvents
            .Where(e => e.Type == AuditEventTypes.ForeignEidRefused).ToListAsync());
        var row = audit.Should().ContainSingle().Subject;
        row.UserId.Should().BeNull();
        row.ClientId.Should().Be(IdpHost.AppClientId);
        row.Reason.Should().Contain("eidas-loa-high");
        (await AdminApi.InScopeAsync(idp, s => s.GetRequiredService<IdpDbContext>().Users.CountAsync())).Should().Be(0, "no account is made for a foreign eID");

        var again = await browser.GetAsync(Flows.AuthorizeUrl());
        again.Address.AbsolutePath.Should().Be("/account/login", "no session");
    }

    private async Task<HttpResponseMessage> RewriteAsync(HttpRequestMessage request, HttpResponseMessage response)
    {
        var path = request.RequestUri!.AbsolutePath;
        if (!path.EndsWith("/jwks", StringComparison.Ordinal) && !path.EndsWith("/token", StringComparison.Ordinal) || !response.IsSuccessStatusCode)
        {
            return response;
        }

        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject();
        if (path.EndsWith("/jwks", StringComparison.Ordinal))
        {
            var parameters = key.ExportParameters(includePrivateParameters: false);
            body["keys"]!.AsArray().Add(new JsonObject
            {
                ["kty"] = "RSA",
                ["use"] = "sig",
                ["alg"] = "RS256",
                ["kid"] = Kid,
                ["n"] = Base64Url.EncodeToString(parameters.Modulus),
                ["e"] = Base64Url.EncodeToString(parameters.Exponent),
            });
        }
        else
        {
            var idToken = body["id_token"]!.GetValue<string>();
            var claims = JsonNode.Parse(Encoding.UTF8.GetString(Base64Url.DecodeFromChars(idToken.Split('.')[1])))!.AsObject();
            claims.Remove("pid");
            claims["acr"] = "eidas-loa-high";
            body["id_token"] = new JsonWebTokenHandler().CreateToken(claims.ToJsonString(),
                new SigningCredentials(new RsaSecurityKey(key) { KeyId = Kid }, SecurityAlgorithms.RsaSha256));
        }

        var rewritten = new HttpResponseMessage(response.StatusCode) { Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json") };
        foreach (var header in response.Headers)
        {
            rewritten.Headers.TryAddWithoutValidation(header.Key, header.Value);
        }

        return rewritten;
    }
}
