using Educloud.Idp.Connect;
using Educloud.Idp.Tests.Infrastructure;

namespace Educloud.Idp.Tests.People;

/// <summary>Support finds people by the name and address they gave, in any case, in part (issue 12, part 6).</summary>
public sealed class SupportSearchTests(PeopleFixture fixture) : IClassFixture<PeopleFixture>
{
    private IdpHost Idp => fixture.Idp;

    [Fact]
    public async Task NameAndConfirmedAddress_FindThePerson_AnyCase_InPart()
    {
        var pid = Flows.NewPid();
        var unique = Guid.NewGuid().ToString("N")[..8];
        var address = $"ingrid.{unique}@Example.test";
        await fixture.PersonWithConfirmedAddressAsync(pid, address, name: $"Ingrid Bjørnstad {unique}");
        var userId = await AdminApi.UserIdAsync(Idp, pid);
        var support = await AdminApi.LogInAsync(Idp, AdminRoles.Support);

        foreach (var query in new[] { $"ingrid bjørnstad {unique}", $"BJØRNSTAD {unique.ToUpperInvariant()}", $"ingrid.{unique}@example", unique.ToUpperInvariant() + "@EXAMPLE.TEST" })
        {
            var (status, found, _) = await AdminApi.SendAsync(Idp, support.AccessToken, HttpMethod.Get, "/api/admin/users?q=" + Uri.EscapeDataString(query));
            status.Should().Be(200, found.ToString());
            var person = found.EnumerateArray().Should().ContainSingle(query).Subject;
            person.GetProperty("id").GetString().Should().Be(userId);
            person.GetProperty("displayName").GetString().Should().Be($"Ingrid Bjørnstad {unique}");
            person.GetProperty("email").GetString().Should().Be(address);
            person.GetProperty("emailConfirmed").GetBoolean().Should().BeTrue();
        }

        var (_, details, _) = await AdminApi.SendAsync(Idp, support.AccessToken, HttpMethod.Get, $"/api/admin/users/{userId}");
        details.GetProperty("user").GetProperty("displayName").GetString().Should().Be($"Ingrid Bjørnstad {unique}");
    }

    [Fact]
    public async Task AnAddressNotYetConfirmed_DoesNotFindThePerson()
    {
        var pid = Flows.NewPid();
        var unique = Guid.NewGuid().ToString("N")[..8];
        await fixture.GaveAddressAsync(pid, $"pending.{unique}@example.test");
        var support = await AdminApi.LogInAsync(Idp, AdminRoles.Support);

        var (status, found, _) = await AdminApi.SendAsync(Idp, support.AccessToken, HttpMethod.Get, "/api/admin/users?q=pending." + unique);

        status.Should().Be(200);
        found.EnumerateArray().Should().BeEmpty("an address is the person's only once they opened its link");
    }
}
