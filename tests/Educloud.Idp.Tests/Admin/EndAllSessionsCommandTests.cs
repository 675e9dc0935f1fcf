using Educloud.Idp.Admin;
using Educloud.Idp.Data;
using Educloud.Idp.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Educloud.Idp.Tests.Admin;

/// <summary>The incident runbook's "revoke everyone's sessions" is a command, not hand-written SQL.</summary>
public sealed class EndAllSessionsCommandTests(IdpFixture fixture) : IClassFixture<IdpFixture>
{
    [Fact]
    public async Task EndAllSessions_TwoPeopleLoggedIn_BothSessionsAndRefreshTokensEnd_Audited()
    {
        var (firstBrowser, first) = await fixture.LogInWithCodeAsync(Flows.NewPid());
        var (_, second) = await fixture.LogInWithCodeAsync(Flows.NewPid());
        var idp = fixture.Idp;

        var refused = await AdminApi.InScopeAsync(idp, s => EndAllSessionsCommand.EndAllAsync(s, "  ", CancellationToken.None));
        refused.Ok.Should().BeFalse("a reason is required");
        var (ok, message) = await AdminApi.InScopeAsync(idp, s => EndAllSessionsCommand.EndAllAsync(s, "signing key leaked (incident 12)", CancellationToken.None));
        ok.Should().BeTrue();
        message.Should().StartWith("Ended 2 session(s)");

        using var backchannel = idp.NewBackchannel();
        foreach (var tokens in new[] { first, second })
        {
            var (status, body) = await Flows.RefreshAsync(backchannel, tokens.GetProperty("refresh_token").GetString()!);
            status.Should().Be(400, body.ToString());
            body.GetProperty("error").GetString().Should().Be("invalid_grant");
        }

        // The IdP session is gone too: the app's next request goes to the login page.
        var page = await firstBrowser.GetAsync(Flows.AuthorizeUrl());
        page.Address.AbsolutePath.Should().Be("/account/login");

        var audit = await AdminApi.InScopeAsync(idp, s => s.GetRequiredService<IdpDbContext>().AuditEvents
            .Where(e => e.Type == AuditEventTypes.AllSessionsEnded).ToListAsync());
        audit.Should().ContainSingle().Which.Reason.Should().Be("signing key leaked (incident 12)");
    }
}
