using System.Net;
using System.Reflection;
using Educloud.Idp.Sessions;
using Educloud.Idp.Tests.Infrastructure;

namespace Educloud.Idp.Tests.Sessions;

/// <summary>The named account paths are the pages' own addresses (Razor's <c>@page</c> needs a literal, so they are written twice).</summary>
public sealed class AccountPathsTests(IdpFixture fixture) : IClassFixture<IdpFixture>
{
    public static TheoryData<string> Paths()
    {
        var data = new TheoryData<string>();
        foreach (var field in typeof(AccountPaths).GetFields(BindingFlags.Public | BindingFlags.Static).Where(f => f.IsLiteral))
        {
            if (field.GetRawConstantValue() is string path && path.StartsWith('/'))
            {
                data.Add(path);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public async Task EveryAccountPath_IsAPage(string path)
    {
        var page = await fixture.Idp.NewBrowser().SendAsync(new HttpRequestMessage(HttpMethod.Get, IdpHost.Origin + path), followRedirects: false);

        page.Status.Should().NotBe(HttpStatusCode.NotFound, path);
        page.Status.Should().BeOneOf([HttpStatusCode.OK, HttpStatusCode.Found, HttpStatusCode.Forbidden], path);
    }
}
