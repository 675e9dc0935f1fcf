using Educloud.Idp.Tests.Infrastructure;

namespace Educloud.Idp.Tests.Data;

public sealed class MigrationTests
{
    [Fact]
    public void IdP_OnAnUnmigratedDatabase_WithoutMigrateOnStartup_RefusesToStartAndSaysHow()
    {
        using var idp = new IdpHost(new Dictionary<string, string?> { ["Database:MigrateOnStartup"] = "false" });

        var start = () => idp.Server;

        start.Should().Throw<InvalidOperationException>().WithMessage("*migration*'migrate' command*");
    }
}
