using Educloud.Idp.Admin;
using Educloud.Idp.Connect;
using Educloud.Idp.Data;
using Educloud.Idp.Tests.Infrastructure;

namespace Educloud.Idp.Tests.Admin;

public sealed class AuditApiTests(IdpFixture fixture) : IClassFixture<IdpFixture>
{
    private IdpHost Idp => fixture.Idp;

    [Theory]
    [InlineData("/api/admin/audit")]
    [InlineData("/api/admin/audit/export.csv")]
    public async Task WithoutToken_401_WithoutRole_403(string path)
    {
        (await AdminApi.SendAsync(Idp, null, HttpMethod.Get, path)).Status.Should().Be(401);
        var nobody = await AdminApi.LogInAsync(Idp, role: null);
        (await AdminApi.SendAsync(Idp, nobody.AccessToken, HttpMethod.Get, path)).Status.Should().Be(403);
    }

    [Theory]
    [InlineData("?from=yesterday")]
    [InlineData("?to=2026-13-01")]
    [InlineData("?from=2026-11-25T12:00:00Z&to=2026-11-24T12:00:00Z")]
    [InlineData("?limit=0")]
    [InlineData("?limit=1000000")]
    [InlineData("?limit=abc")]
    public async Task BadFilter_400Problem(string query)
    {
        var support = await AdminApi.LogInAsync(Idp, AdminRoles.Support);
        var (status, body, contentType) = await AdminApi.SendAsync(Idp, support.AccessToken, HttpMethod.Get, "/api/admin/audit" + query);
        status.Should().Be(400, body.ToString());
        contentType.Should().Be("application/problem+json");
    }

    [Fact]
    public async Task FiltersByUserTypeAndTime_AndExportsCsv()
    {
        var admin = await AdminApi.LogInAsync(Idp, AdminRoles.Admin);
        var target = await AdminApi.LogInAsync(Idp, role: null);
        var before = DateTimeOffset.UtcNow;
        await AdminApi.SendAsync(Idp, admin.AccessToken, HttpMethod.Post, $"/api/admin/users/{target.UserId}/unlock", new { reason = "=HYPERLINK(\"x\"), \"quoted\"" });
        await AdminApi.SendAsync(Idp, admin.AccessToken, HttpMethod.Post, $"/api/admin/users/{target.UserId}/sessions/end", new { reason = "second" });

        var (_, all, _) = await AdminApi.SendAsync(Idp, admin.AccessToken, HttpMethod.Get, $"/api/admin/audit?userId={target.UserId}");
        all.EnumerateArray().Select(e => e.GetProperty("type").GetString()).Should().StartWith([AuditEventTypes.SessionsEnded, AuditEventTypes.Unlocked]);

        var (_, typed, _) = await AdminApi.SendAsync(Idp, admin.AccessToken, HttpMethod.Get, $"/api/admin/audit?userId={target.UserId}&type={AuditEventTypes.Unlocked}");
        typed.EnumerateArray().Should().ContainSingle();

        var (_, future, _) = await AdminApi.SendAsync(Idp, admin.AccessToken, HttpMethod.Get, $"/api/admin/audit?userId={target.UserId}&from={Uri.EscapeDataString(DateTimeOffset.UtcNow.AddHours(1).ToString("O"))}");
        future.EnumerateArray().Should().BeEmpty();
        var (_, recent, _) = await AdminApi.SendAsync(Idp, admin.AccessToken, HttpMethod.Get, $"/api/admin/audit?userId={target.UserId}&from={Uri.EscapeDataString(before.ToString("O"))}");
        recent.EnumerateArray().Should().HaveCount(2);

        using var client = AdminApi.Client(Idp, admin.AccessToken);
        using var response = await client.GetAsync($"/api/admin/audit/export.csv?userId={target.UserId}&from={Uri.EscapeDataString(before.ToString("O"))}");
        response.Content.Headers.ContentType!.MediaType.Should().Be("text/csv");
        var lines = (await response.Content.ReadAsStringAsync()).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        lines[0].Should().Be("id,at,type,user_id,client_id,actor,actor_role,reason,client_ip");
        lines.Should().HaveCount(3);
        lines[1].Should().Contain("admin.sessions_ended").And.Contain(admin.UserId).And.Contain(",admin,second,");
        lines[2].Should().Contain("\"'=HYPERLINK(\"\"x\"\"), \"\"quoted\"\"\"", "quoted per RFC 4180 and defused for spreadsheets");
    }
}
