using Educloud.Idp.Settings;
using Educloud.Idp.Tests.Infrastructure;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Hosting;

namespace Educloud.Idp.Tests.Settings;

/// <summary>Bad settings stop the IdP at start with a message that names the key; development conveniences never reach Production.</summary>
public sealed class SettingsValidationTests
{
    private static readonly IHostEnvironment Production = new Environment("Production");
    private static readonly IHostEnvironment Development = new Environment("Development");

    [Fact]
    public void Simulator_InProduction_IsRefusedNamingTheKey()
    {
        var result = new IdPortenOptionsValidator(Production).Validate(null, new IdPortenOptions
        {
            Issuer = "https://test.idporten.no", ClientId = "x", ClientSecret = "secret", UseSimulator = true,
        });

        result.Failed.Should().BeTrue();
        result.FailureMessage.Should().Contain("IdPorten:UseSimulator");
    }

    [Fact]
    public void DevelopmentClientSecret_InProduction_IsRefusedNamingTheKey()
    {
        var options = new ClientsOptions();
        options.Clients.Add(new ClientSettings
        {
            ClientId = "app", DisplayName = "App", ClientSecret = "DEVELOPMENT-ONLY-0123456789-0123456789", Scopes = ["openid"],
            RedirectUris = ["https://app.example/cb"],
        });

        new ClientsOptionsValidator(Development).Validate(null, options).Succeeded.Should().BeTrue();
        var result = new ClientsOptionsValidator(Production).Validate(null, options);
        result.Failed.Should().BeTrue();
        result.FailureMessage.Should().Contain("Clients:0:ClientSecret");
    }

    [Theory]
    [InlineData("http://app.example/cb", "Clients:0:RedirectUris:0")]
    [InlineData("https://app.example/cb#frag", "Clients:0:RedirectUris:0")]
    [InlineData("not a uri", "Clients:0:RedirectUris:0")]
    public void UnsafeRedirectUri_IsRefusedNamingTheKey(string uri, string key)
    {
        var options = new ClientsOptions();
        options.Clients.Add(new ClientSettings { ClientId = "app", DisplayName = "App", Scopes = ["openid"], RedirectUris = [uri] });

        var result = new ClientsOptionsValidator(Development).Validate(null, options);

        result.Failed.Should().BeTrue();
        result.FailureMessage.Should().Contain(key);
    }

    [Theory]
    [InlineData("has space")]
    [InlineData("https://api.example.org/")]
    [InlineData("educloud-idp-admin")]
    public void BadAudience_IsRefusedNamingTheKey(string audience)
    {
        var options = new ClientsOptions();
        options.Clients.Add(new ClientSettings { ClientId = "app", DisplayName = "App", Scopes = ["openid"], RedirectUris = ["https://app.example/cb"], Audience = audience });

        var result = new ClientsOptionsValidator(Development).Validate(null, options);

        result.Failed.Should().BeTrue();
        result.FailureMessage.Should().Contain("Clients:0:Audience");
    }

    [Fact]
    public void LoopbackHttpRedirectUri_IsAllowed()
    {
        var options = new ClientsOptions();
        options.Clients.Add(new ClientSettings { ClientId = "app", DisplayName = "App", Scopes = ["openid"], RedirectUris = ["http://localhost:5100/cb"] });

        new ClientsOptionsValidator(Development).Validate(null, options).Succeeded.Should().BeTrue();
    }

    [Fact]
    public void UnknownScope_IsRefusedNamingTheKey()
    {
        var options = new ClientsOptions();
        options.Clients.Add(new ClientSettings { ClientId = "app", DisplayName = "App", Scopes = ["openid", "admin"] });

        new ClientsOptionsValidator(Development).Validate(null, options).FailureMessage.Should().Contain("Clients:0:Scopes:1");
    }

    [Fact]
    public void DevelopmentKeys_OutsideDevelopment_AreRefusedNamingTheKeys()
    {
        var result = new KeysOptionsValidator(Production).Validate(null, new KeysOptions());

        result.FailureMessage.Should().Contain("Keys:SigningKeyPaths").And.Contain("Keys:EncryptionKeyPath").And.Contain("Keys:DataProtectionKeyPath");
    }

    [Fact]
    public void SessionLongerThanNistAllows_IsRefusedNamingTheKey() =>
        new IdpSessionOptionsValidator().Validate(null, new IdpSessionOptions { IdleTimeout = TimeSpan.FromHours(2) })
            .FailureMessage.Should().Contain("Session:IdleTimeout");

    [Fact]
    public void IdP_InProductionWithTheSimulator_RefusesToStart()
    {
        using var factory = new ProductionIdp(new Dictionary<string, string> { ["Server:Issuer"] = "https://idp.example.org", ["IdPorten:UseSimulator"] = "true", ["IdPorten:ClientId"] = "x" });

        var start = () => factory.Server;

        start.Should().Throw<Exception>().Which.ToString().Should().Contain("IdPorten:UseSimulator");
    }

    [Fact]
    public void IssuerMissing_InProduction_IsRefusedNamingTheKey()
    {
        new ServerOptionsValidator(Development).Validate(null, new ServerOptions()).Succeeded.Should().BeTrue();
        new ServerOptionsValidator(Production).Validate(null, new ServerOptions())
            .FailureMessage.Should().Contain("Server:Issuer").And.Contain("required outside Development");
    }

    [Theory]
    [InlineData("http://idp.example.org/")]
    [InlineData("idp.example.org")]
    [InlineData("https://idp.example.org/idp")]
    [InlineData("https://idp.example.org/?x=1")]
    public void BadIssuer_InProduction_IsRefusedNamingTheKey(string issuer) =>
        new ServerOptionsValidator(Production).Validate(null, new ServerOptions { Issuer = issuer })
            .FailureMessage.Should().Contain("Server:Issuer");

    [Theory]
    [InlineData("https://idp.example.org", "https://idp.example.org/")]
    [InlineData("https://IdP.Example.org:8443/", "https://idp.example.org:8443/")]
    public void Issuer_InProduction_IsAcceptedAndNormalized(string issuer, string normalized)
    {
        new ServerOptionsValidator(Production).Validate(null, new ServerOptions { Issuer = issuer }).Succeeded.Should().BeTrue();
        ServerOptions.Normalize(issuer)!.AbsoluteUri.Should().Be(normalized);
    }

    [Fact]
    public void IdP_InProductionWithoutIssuer_RefusesToStartNamingTheKey()
    {
        // Everything else a Production IdP needs is set: the only thing missing is Server:Issuer.
        using var factory = new ProductionIdp(new Dictionary<string, string>
        {
            ["IdPorten:Issuer"] = "https://test.idporten.no",
            ["IdPorten:ClientId"] = "x",
            ["IdPorten:ClientSecret"] = "a-client-secret-of-some-length-0123456789",
        });

        var start = () => factory.Server;

        start.Should().Throw<Exception>().Which.ToString().Should().Contain("Server:Issuer is required outside Development");
    }

    private sealed class Environment(string name) : IHostEnvironment
    {
        public string EnvironmentName { get; set; } = name;

        public string ApplicationName { get; set; } = "Educloud.Idp";

        public string ContentRootPath { get; set; } = Path.GetTempPath();

        public IFileProvider ContentRootFileProvider { get; set; } = new NullFileProvider();
    }
}
