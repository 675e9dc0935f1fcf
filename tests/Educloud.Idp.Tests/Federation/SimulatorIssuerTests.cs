using Educloud.Idp.Federation;

namespace Educloud.Idp.Tests.Federation;

/// <summary>Issue 9: in Development the simulator's issuer follows the address the IdP listens on.</summary>
public sealed class SimulatorIssuerTests
{
    [Theory]
    [InlineData("http://127.0.0.1:8080", null, "http://127.0.0.1:8080")]
    [InlineData("http://localhost:5301/;https://localhost:5302", null, "http://localhost:5301")]
    [InlineData(" https://idp.local:7443 ", null, "https://idp.local:7443")]
    [InlineData("http://*:8080", null, "http://localhost:8080")]
    [InlineData("http://+:8080", null, "http://localhost:8080")]
    [InlineData("http://0.0.0.0:8080", null, "http://localhost:8080")]
    [InlineData("http://[::]:8080", null, "http://localhost:8080")]
    [InlineData(null, "8081;8082", "http://localhost:8081")]
    [InlineData(null, null, SimulatorIssuer.KestrelDefault)]
    [InlineData("", "", SimulatorIssuer.KestrelDefault)]
    public void ServerUrls_GiveTheOriginOfTheFirstAddress(string? urls, string? httpPorts, string expected) =>
        SimulatorIssuer.FromServerUrls(urls, httpPorts).Should().Be(expected);

    [Theory]
    [InlineData("http://127.0.0.1:0")]
    [InlineData("not a url")]
    public void UnknowableAddress_FailsNamingTheSetting(string urls)
    {
        var derive = () => SimulatorIssuer.FromServerUrls(urls, null);

        derive.Should().Throw<InvalidOperationException>().WithMessage("*IdPorten:Issuer*");
    }
}
