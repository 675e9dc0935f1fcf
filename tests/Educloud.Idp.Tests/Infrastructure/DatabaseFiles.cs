using System.Text;
using Microsoft.Data.Sqlite;

namespace Educloud.Idp.Tests.Infrastructure;

/// <summary>
/// The bytes of a host's SQLite database (idp.db and its -wal and -shm files), for the tests that
/// scan it for secrets stored in clear. A scan of nothing proves nothing: without the database
/// file, or when the files lack a value the test knows was stored, the test fails instead of passing.
/// </summary>
public static class DatabaseFiles
{
    /// <param name="knownStored">A value the flow certainly wrote (a username, a client id): the scan must find it.</param>
    public static IReadOnlyList<byte[]> Read(IdpHost idp, string knownStored)
    {
        // Pooled connections keep the files open and their last pages in the WAL: closed first.
        SqliteConnection.ClearAllPools();
        var paths = Directory.GetFiles(idp.DataDirectory, "idp.db*");
        paths.Select(Path.GetFileName).Should().Contain("idp.db", $"the scan needs the IdP's database in {idp.DataDirectory}");
        var files = paths.Select(File.ReadAllBytes).ToList();
        files.Should().Contain(file => Contains(file, Encoding.UTF8.GetBytes(knownStored)), $"the database files must hold '{knownStored}', or the scan looks at the wrong data");
        return files;
    }

    public static bool Contains(byte[] haystack, byte[] needle) => haystack.AsSpan().IndexOf(needle) >= 0;
}
