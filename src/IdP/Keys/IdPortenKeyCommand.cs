using System.Security.Cryptography;

namespace Educloud.Idp.Keys;

/// <summary>
/// <c>Educloud.Idp new-idporten-key &lt;private-key-path&gt; [2048|3072]</c>: makes the RSA key pair
/// for private_key_jwt at ID-porten, writes the private key (PKCS#8 PEM, mode 0600, never over an
/// existing file) and prints the public JWK to register at Digdir, with its kid and the two
/// settings to set. Runs before the IdP reads any setting: it needs none (the operator runs it
/// before ID-porten is configured). Exit codes as the other commands: 0 done, 1 refused, 2 usage.
/// </summary>
public static class IdPortenKeyCommand
{
    public const string Name = "new-idporten-key";

    /// <summary>3072 by default: NIST SP 800-57 Part 1 rev. 5 gives 2048-bit RSA 112-bit security, acceptable only until 2030.</summary>
    public const int DefaultBits = 3072;

    private static readonly int[] AllowedBits = [2048, DefaultBits];

    /// <summary>Runs the command when <paramref name="args"/> ask for it; the exit code, or null when they do not.</summary>
    public static int? TryRun(string[] args, TextWriter output, TextWriter error)
    {
        var index = Array.IndexOf(args, Name);
        if (index < 0)
        {
            return null;
        }

        var arguments = args[(index + 1)..];
        int bits = DefaultBits;
        if (arguments.Length is < 1 or > 2 || string.IsNullOrWhiteSpace(arguments[0])
            || (arguments.Length == 2 && (!int.TryParse(arguments[1], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out bits) || !AllowedBits.Contains(bits))))
        {
            error.WriteLine($"Usage: Educloud.Idp {Name} <private-key-path> [2048|3072]   (default {DefaultBits} bits)");
            return 2;
        }

        var path = Path.GetFullPath(arguments[0]);
        using var rsa = RSA.Create(bits);
        try
        {
            Write(path, rsa.ExportPkcs8PrivateKeyPem());
        }
        catch (IOException e) when (File.Exists(path))
        {
            error.WriteLine($"Refused: '{path}' exists already ({e.Message.TrimEnd('.')}). A key is never overwritten: choose another path, or remove the old key once Digdir no longer has it registered.");
            return 1;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            error.WriteLine($"Refused: the key cannot be written to '{path}': {e.Message}");
            return 1;
        }

        var (kid, jwk) = IdPortenClientKey.PublicJwk(rsa);
        output.WriteLine($"Wrote a new {bits}-bit RSA private key to {path} (PKCS#8 PEM, readable by this user only). Keep it secret and back it up.");
        output.WriteLine();
        output.WriteLine("1. Register this public key (JWK) for the IdP's client at Digdir (Samarbeidsportalen, the client's keys):");
        output.WriteLine(jwk);
        output.WriteLine();
        output.WriteLine($"2. Set, then restart the IdP (its client then authenticates with private_key_jwt, kid {kid}):");
        output.WriteLine($"   {IdPortenClientKey.PathSetting}={path}");
        output.WriteLine($"   {IdPortenClientKey.KeyIdSetting}={kid}");
        output.WriteLine($"   (as environment variables: IdPorten__PrivateKeyPath, IdPorten__PrivateKeyId)");
        return 0;
    }

    /// <summary>CreateNew: refused when the file exists, decided by the file system, not by an earlier check.</summary>
    private static void Write(string path, string pem)
    {
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
        {
            // Born 0600: never readable by others, not even for a moment.
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using var writer = new StreamWriter(path, System.Text.Encoding.ASCII, options);
        writer.Write(pem);
    }
}
