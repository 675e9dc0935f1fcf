namespace Educloud.Idp.Tests.Infrastructure;

/// <summary>The database scan of the secret-leak tests fails, rather than passes, when it has nothing to scan.</summary>
public sealed class DatabaseFilesTests
{
    [Fact]
    public void NoDatabaseFile_FailsTheScan()
    {
        using var idp = new IdpHost();

        var read = () => DatabaseFiles.Read(idp, knownStored: IdpHost.AppClientId);

        read.Should().Throw<Exception>().WithMessage("*idp.db*");
    }

    [Fact]
    public void DatabaseWithoutTheKnownValue_FailsTheScan()
    {
        using var idp = new IdpHost();
        _ = idp.Server;

        var read = () => DatabaseFiles.Read(idp, knownStored: "a value nobody stored " + Guid.NewGuid());

        read.Should().Throw<Exception>().WithMessage("*wrong data*");
    }
}
