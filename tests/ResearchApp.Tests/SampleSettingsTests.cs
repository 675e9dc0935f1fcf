using Educloud.Idp.Tests.Infrastructure;

namespace Educloud.ResearchApp.Tests;

/// <summary>Bad settings stop the sample at start, with a message that names the key.</summary>
public sealed class SampleSettingsTests
{
    [Theory]
    [InlineData("Idp:Authority", "", "Idp:Authority")]
    [InlineData("Idp:Authority", "idp.example.org", "Idp:Authority")]
    [InlineData("Idp:ClientId", "", "Idp:ClientId")]
    [InlineData("Idp:ClientSecret", "", "Idp:ClientSecret")]
    [InlineData("Idp:AcrValues", "idporten-loa-low", "Idp:AcrValues")]
    [InlineData("Api:BaseAddress", "not an address", "Api:BaseAddress")]
    public void BadSetting_StopsTheAppAtStart_NamingTheKey(string key, string value, string named)
    {
        var act = () => Start(new Dictionary<string, string?> { [key] = value });

        act.Should().Throw<Microsoft.Extensions.Options.OptionsValidationException>().Which.Message.Should().Contain(named);
    }

    [Theory]
    [InlineData("Idp:ClientSecret", "DEVELOPMENT-ONLY-research-app-test-secret-0123", "Idp:ClientSecret")]
    [InlineData("Idp:Authority", "http://idp.example.org", "Idp:Authority")]
    public void OutsideDevelopment_DevelopmentSecretOrPlainHttp_StopsTheApp(string key, string value, string named)
    {
        var act = () => Start(new Dictionary<string, string?>
        {
            ["environment"] = "Production",
            ["Idp:Authority"] = "https://idp.example.org",
            ["Idp:ClientSecret"] = "a-real-secret-from-the-environment",
            [key] = value,
        });

        act.Should().Throw<Microsoft.Extensions.Options.OptionsValidationException>().Which.Message.Should().Contain(named);
    }

    [Fact]
    public void OutsideDevelopment_GoodSettings_Start()
    {
        var act = () => Start(new Dictionary<string, string?>
        {
            ["environment"] = "Production",
            ["Idp:Authority"] = "https://idp.example.org",
            ["Idp:ClientSecret"] = "a-real-secret-from-the-environment",
        });

        act.Should().NotThrow("the test can fail only on the setting it changes");
    }

    private static void Start(Dictionary<string, string?> overrides)
    {
        // The IdP is never reached: the app stops (or starts) before any request.
        using var idp = new IdpHost();
        using var app = new ResearchAppHost(idp, overrides: overrides);
        _ = app.Server;
    }
}
