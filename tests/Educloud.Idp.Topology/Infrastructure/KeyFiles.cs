using System.Security.Cryptography;

namespace Educloud.Idp.Topology.Infrastructure;

/// <summary>
/// The key files every replica reads (the same files on each, as deploy/ mounts one Secret), made
/// at test time: the signing key, the token and key-ring encryption keys, the pid lookup key, and
/// the IdP's private_key_jwt key for ID-porten, whose public half the simulator is given.
/// </summary>
public sealed class KeyFiles
{
    private KeyFiles(string folder, string idPortenClientPublicKeyPem)
    {
        Folder = folder;
        IdPortenClientPublicKeyPem = idPortenClientPublicKeyPem;
    }

    public string Folder { get; }

    public string IdPortenClientPublicKeyPem { get; }

    public static KeyFiles Create(string folder)
    {
        Directory.CreateDirectory(folder);
        using var signing = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        Write(folder, "signing-es256.pem", signing.ExportECPrivateKeyPem());
        foreach (var name in new[] { "encryption.key", "data-protection.key", "pid-lookup.key" })
        {
            Write(folder, name, Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)));
        }

        // RSA, as Digdir registers private_key_jwt keys (and the simulator, like ID-porten, refuses EC);
        // PKCS#8, as `openssl genpkey -algorithm RSA` writes it.
        using var client = RSA.Create(2048);
        Write(folder, "idporten-client.pem", client.ExportPkcs8PrivateKeyPem());
        return new KeyFiles(folder, client.ExportSubjectPublicKeyInfoPem());
    }

    private static void Write(string folder, string name, string content)
    {
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using var writer = new StreamWriter(Path.Combine(folder, name), options);
        writer.Write(content);
    }
}
