using System.Security.Cryptography;
using Educloud.Idp.Settings;
using Microsoft.IdentityModel.Tokens;

namespace Educloud.Idp.Keys;

/// <summary>
/// The keys the IdP signs and encrypts with, and the key of the pid lookup hash. Outside
/// Development they come only from files named in configuration; in Development they are made
/// once and kept under Keys:DevelopmentKeysDirectory so tokens survive a restart.
/// </summary>
public sealed class KeyMaterial
{
    private KeyMaterial(IReadOnlyList<AsymmetricSecurityKey> signingKeys, SymmetricSecurityKey encryptionKey, byte[] pidLookupKey, KeyRingKeys keyRing)
    {
        SigningKeys = signingKeys;
        EncryptionKey = encryptionKey;
        PidLookupKey = pidLookupKey;
        KeyRing = keyRing;
    }

    /// <summary>The first key signs; the rest are published in the JWKS for rotation.</summary>
    public IReadOnlyList<AsymmetricSecurityKey> SigningKeys { get; }

    public SymmetricSecurityKey EncryptionKey { get; }

    public byte[] PidLookupKey { get; }

    /// <summary>The keys that encrypt the Data Protection key ring in the database (KeyRingEncryption).</summary>
    public KeyRingKeys KeyRing { get; }

    public static KeyMaterial Load(KeysOptions keys, UsersOptions users, IHostEnvironment environment)
    {
        var devDirectory = Path.GetFullPath(keys.DevelopmentKeysDirectory, environment.ContentRootPath);

        var signingPaths = keys.SigningKeyPaths.Count > 0
            ? keys.SigningKeyPaths
            : DevelopmentOnly<List<string>>(environment, () =>
            [
                EnsureFile(Path.Combine(devDirectory, "signing-es256.pem"), () => ECDsa.Create(ECCurve.NamedCurves.nistP256).ExportECPrivateKeyPem()),
                // OpenID Connect Discovery 1.0 asks that RS256 be offered; ES256 (first) is what signs.
                EnsureFile(Path.Combine(devDirectory, "signing-rs256.pem"), () => RSA.Create(2048).ExportRSAPrivateKeyPem()),
            ]);

        var encryptionPath = keys.EncryptionKeyPath
            ?? DevelopmentOnly(environment, () => EnsureFile(Path.Combine(devDirectory, "encryption.key"), NewSecret));
        var pidPath = users.PidLookupKeyPath
            ?? DevelopmentOnly(environment, () => EnsureFile(Path.Combine(devDirectory, "pid-lookup.key"), NewSecret));
        var keyRingPath = keys.DataProtectionKeyPath
            ?? DevelopmentOnly(environment, () => EnsureFile(Path.Combine(devDirectory, "data-protection.key"), NewSecret));

        return new KeyMaterial(
            signingPaths.Select(LoadSigningKey).ToList(),
            new SymmetricSecurityKey(ReadSecret(encryptionPath, "Keys:EncryptionKeyPath", exactBytes: 32)),
            ReadSecret(pidPath, "Users:PidLookupKeyPath", exactBytes: null),
            new KeyRingKeys(
                ReadSecret(keyRingPath, "Keys:DataProtectionKeyPath", exactBytes: 32),
                keys.PreviousDataProtectionKeyPaths.Select(path => ReadSecret(path, "Keys:PreviousDataProtectionKeyPaths", exactBytes: 32)).ToList()));
    }

    private static T DevelopmentOnly<T>(IHostEnvironment environment, Func<T> create) =>
        environment.IsDevelopment()
            ? create()
            : throw new SettingsException("Development keys are refused outside Development: set Keys:SigningKeyPaths, Keys:EncryptionKeyPath, Keys:DataProtectionKeyPath and Users:PidLookupKeyPath.");

    private static string NewSecret() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    private static string EnsureFile(string path, Func<string> create)
    {
        if (!File.Exists(path))
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
            if (!OperatingSystem.IsWindows())
            {
                options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            }

            try
            {
                using var writer = new StreamWriter(path, options);
                writer.Write(create());
            }
            catch (IOException) when (File.Exists(path))
            {
                // Another process (a test host, a second replica) made it first; use theirs.
            }
        }

        return path;
    }

    private static byte[] ReadSecret(string path, string key, int? exactBytes)
    {
        byte[] bytes;
        try
        {
            bytes = Convert.FromBase64String(File.ReadAllText(path).Trim());
        }
        catch (FormatException)
        {
            throw new SettingsException($"{key}: '{path}' must hold base64 text.");
        }

        if (exactBytes is { } n ? bytes.Length != n : bytes.Length < 32)
        {
            throw new SettingsException($"{key}: '{path}' must hold {(exactBytes is null ? "at least 32" : exactBytes.ToString())} random bytes, base64 encoded.");
        }

        return bytes;
    }

    private static AsymmetricSecurityKey LoadSigningKey(string path)
    {
        var key = PemKeys.Load(path, "Keys:SigningKeyPaths");
        // A stable key id (RFC 7638 thumbprint) lets relying parties cache the JWKS across restarts.
        key.KeyId = Base64UrlEncoder.Encode(JsonWebKeyConverter.ConvertFromSecurityKey(key).ComputeJwkThumbprint());
        return key;
    }
}
