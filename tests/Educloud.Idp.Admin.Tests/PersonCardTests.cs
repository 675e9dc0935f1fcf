using System.Net;
using Educloud.Idp.Connect;
using Educloud.Idp.Data;
using Educloud.Idp.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Educloud.Idp.Admin.Tests;

/// <summary>Support tells people apart by the name and address they gave (issue 12, part 6): in the list, on their page, before an act.</summary>
public sealed class PersonCardTests(ConsoleFixture fixture) : IClassFixture<ConsoleFixture>
{
    private IdpHost Idp => fixture.Idp;

    [Fact]
    public async Task RevokeConfirmation_ShowsNameEmailUsernameAndWhenTheAuthenticatorWasAdded()
    {
        var (_, userId) = await fixture.PersonAsync();
        var unique = Guid.NewGuid().ToString("N")[..8];
        var (userName, email) = await GiveNameAndAddressAsync(userId, "Ola Nordmann " + unique, $"ola.{unique}@example.test", confirmed: true);
        var (supportPid, _) = await fixture.PersonAsync(AdminRoles.Support);
        var (support, _) = await fixture.LogInToConsoleAsync(supportPid);

        var confirm = await support.GetAsync(ConsoleHost.Origin + $"/users/{Uri.EscapeDataString(userId)}/revoke-authenticator");

        confirm.Status.Should().Be(HttpStatusCode.OK, confirm.Body);
        confirm.Document.QuerySelector(".who-name")!.TextContent.Should().Be("Ola Nordmann " + unique);
        confirm.Document.QuerySelector(".who-email")!.TextContent.Should().Be(email);
        confirm.Document.QuerySelector(".who-username")!.TextContent.Should().Be(userName);
        // Oslo time in the page's words (the test browser reads English): "2 December 2026, 11:05".
        confirm.Document.QuerySelector(".who-authenticator")!.TextContent.Should().MatchRegex(@"^\d{1,2} (January|February|March|April|May|June|July|August|September|October|November|December) \d{4}, \d{2}:\d{2}$");
        confirm.Body.Split(userName).Length.Should().Be(2, "the username once, not three times");

        var list = await support.GetAsync(ConsoleHost.Origin + "/?q=" + Uri.EscapeDataString("ola nordmann " + unique));
        var row = list.Document.QuerySelectorAll("table.results tbody tr").Should().ContainSingle(list.Body).Subject;
        row.TextContent.Should().Contain("Ola Nordmann " + unique).And.Contain(email).And.Contain(userName);
    }

    [Fact]
    public async Task AnAddressSupportTyped_IsMarkedNotConfirmed_AndNoNameSaysSo()
    {
        var (_, userId) = await fixture.PersonAsync();
        var unique = Guid.NewGuid().ToString("N")[..8];
        var (_, email) = await GiveNameAndAddressAsync(userId, null, $"typed.{unique}@example.test", confirmed: false);
        var (supportPid, _) = await fixture.PersonAsync(AdminRoles.Support);
        var (support, _) = await fixture.LogInToConsoleAsync(supportPid);

        var details = await support.GetAsync(ConsoleHost.Origin + $"/users/{Uri.EscapeDataString(userId)}");

        details.Document.QuerySelector(".who-email")!.TextContent.Should().Be(email + " (not confirmed)");
        details.Document.QuerySelector(".who-name")!.TextContent.Should().Be("not given");
    }

    private async Task<(string UserName, string Email)> GiveNameAndAddressAsync(string userId, string? name, string email, bool confirmed)
    {
        await using var scope = Idp.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<IdpDbContext>();
        var user = await db.Users.SingleAsync(u => u.Id == userId);
        user.DisplayName = name;
        user.Email = email;
        user.NormalizedEmail = email.ToUpperInvariant();
        user.EmailConfirmed = confirmed;
        await db.SaveChangesAsync();
        return (user.UserName!, email);
    }
}
