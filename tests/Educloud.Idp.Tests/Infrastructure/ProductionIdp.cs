using System.Security.Cryptography;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace Educloud.Idp.Tests.Infrastructure;

/// <summary>
/// The IdP in the Production environment, in-process, with real key files made for the test in a temp
/// folder (a new EC P-256 signing key; one 32-byte secret for encryption, key ring and pid lookup), a
/// SQLite database there, migrated at start, and the settings the test gives: what else Production
/// needs (<see cref="Starting"/>), or what it should refuse.
/// </summary>
public sealed class ProductionIdp(IDictionary<string, string> settings) : WebApplicationFactory<Program>
{
    public string Directory { get; } = System.IO.Directory.CreateTempSubdirectory("educloud-prod").FullName;

    /// <summary>What Production needs besides keys and database to start: the issuer and ID-porten (never called), plus <paramref name="more"/>.</summary>
    public static Dictionary<string, string> Starting(IDictionary<string, string>? more = null)
    {
        var settings = new Dictionary<string, string>
        {
            ["Server:Issuer"] = "https://login.educloud.test",
            ["IdPorten:UseSimulator"] = "false",
            ["IdPorten:Issuer"] = "https://idporten.test/",
            ["IdPorten:ClientId"] = "educloud-idp",
            ["IdPorten:ClientSecret"] = "a-production-like-secret-0123456789abcdef",
        };
        foreach (var (key, value) in more ?? new Dictionary<string, string>())
        {
            settings[key] = value;
        }

        return settings;
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        var signing = Path.Combine(Directory, "signing.pem");
        File.WriteAllText(signing, ECDsa.Create(ECCurve.NamedCurves.nistP256).ExportECPrivateKeyPem());
        var secret = Path.Combine(Directory, "secret.key");
        File.WriteAllText(secret, Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)));
        builder.UseEnvironment("Production");
        builder.UseSetting("Database:ConnectionString", $"Data Source={Path.Combine(Directory, "idp.db")}");
        builder.UseSetting("Database:MigrateOnStartup", "true");
        builder.UseSetting("Keys:SigningKeyPaths:0", signing);
        builder.UseSetting("Keys:EncryptionKeyPath", secret);
        builder.UseSetting("Keys:DataProtectionKeyPath", secret);
        builder.UseSetting("Users:PidLookupKeyPath", secret);
        foreach (var (key, value) in settings)
        {
            builder.UseSetting(key, value);
        }
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: the temp folder is cleaned by the OS otherwise.
        }
    }
}
