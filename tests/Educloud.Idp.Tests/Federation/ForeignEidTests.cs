using System.Net;
using Educloud.Idp.Data;
using Educloud.Idp.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Educloud.Idp.Tests.Federation;

/// <summary>
/// A person with another country's eID (eIDAS) logs in at ID-porten: the id_token has acr
/// eidas-loa-* and no pid. Until the simulator has such a person, ID-porten's answers are changed
/// on their way to the IdP (IdpHost.UpstreamRewriter): the id_token loses its pid and gets an
/// eIDAS level, and is signed again with a key of this test that the simulator's JWKS also lists.
/// </summary>
public sealed class ForeignEidTests : IDisposable
{
    private readonly ResignedIdTokens eidas = new(claims =>
    {
        claims.Remove("pid");
        claims["acr"] = "eidas-loa-high";
    });

    private readonly IdpHost idp = new();

    public ForeignEidTests() => idp.UpstreamRewriter = eidas.RewriteAsync;

    public void Dispose()
    {
        idp.Dispose();
        eidas.Dispose();
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
}
