using System.Security.Cryptography;
using System.Text;
using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection.XmlEncryption;

namespace Educloud.Idp.Keys;

/// <summary>The key that encrypts new key ring entries, and earlier ones kept to read old entries.</summary>
public sealed record KeyRingKeys(byte[] Current, IReadOnlyList<byte[]> Previous)
{
    public IEnumerable<byte[]> All => Previous.Prepend(Current);

    /// <summary>A short public name of a key (not the key): which one encrypted an entry.</summary>
    public static string IdOf(byte[] key) => Convert.ToHexString(SHA256.HashData(key).AsSpan(0, 8));
}

/// <summary>
/// Encrypts Data Protection's key ring before it is stored in the database, with AES-256-GCM under
/// a key from a file (Keys:DataProtectionKeyPath). The key ring opens every protected value (the
/// authenticators' secrets, the encrypted pid, cookies); stored in clear in the same database it
/// would make that encryption worthless against a stolen copy of the database (docs/architecture.md "Keys":
/// key ring protection from configuration). Entries written before this existed stay readable.
/// </summary>
public sealed class KeyRingXmlEncryptor(KeyRingKeys keys) : IXmlEncryptor
{
    internal const string Namespace = "urn:educloud:idp:keyring:v1";

    // Binds the ciphertext to its use: it cannot be passed off as another GCM message under this key.
    internal static readonly byte[] AssociatedData = Encoding.ASCII.GetBytes("Educloud.Idp Data Protection key ring v1");

    public EncryptedXmlInfo Encrypt(XElement plaintextElement)
    {
        var plaintext = Encoding.UTF8.GetBytes(plaintextElement.ToString(SaveOptions.DisableFormatting));
        var nonce = RandomNumberGenerator.GetBytes(AesGcm.NonceByteSizes.MaxSize);
        var tag = new byte[AesGcm.TagByteSizes.MaxSize];
        var ciphertext = new byte[plaintext.Length];
        using (var aes = new AesGcm(keys.Current, tag.Length))
        {
            aes.Encrypt(nonce, plaintext, ciphertext, tag, AssociatedData);
        }

        CryptographicOperations.ZeroMemory(plaintext);
        var element = new XElement(XName.Get("encryptedKey", Namespace),
            new XAttribute("keyId", KeyRingKeys.IdOf(keys.Current)),
            new XElement(XName.Get("value", Namespace), Convert.ToBase64String([.. nonce, .. ciphertext, .. tag])));
        return new EncryptedXmlInfo(element, typeof(KeyRingXmlDecryptor));
    }
}

/// <summary>Opens what <see cref="KeyRingXmlEncryptor"/> wrote. Data Protection creates it by type name.</summary>
public sealed class KeyRingXmlDecryptor : IXmlDecryptor
{
    private readonly Func<KeyRingKeys> keyRing;

    /// <summary>How Data Protection creates it (it passes its service provider).</summary>
    public KeyRingXmlDecryptor(IServiceProvider services) => keyRing = () => services.GetRequiredService<KeyMaterial>().KeyRing;

    internal KeyRingXmlDecryptor(KeyRingKeys keys) => keyRing = () => keys;

    public XElement Decrypt(XElement encryptedElement)
    {
        var keys = keyRing();
        var keyId = encryptedElement.Attribute("keyId")?.Value;
        var value = encryptedElement.Element(XName.Get("value", KeyRingXmlEncryptor.Namespace))?.Value;
        var key = keys.All.FirstOrDefault(k => KeyRingKeys.IdOf(k) == keyId)
            ?? throw new CryptographicException($"The Data Protection key ring entry was encrypted with key {keyId}, which is not configured (Keys:DataProtectionKeyPath, Keys:PreviousDataProtectionKeyPaths).");
        var bytes = Convert.FromBase64String(value ?? throw new CryptographicException("The key ring entry holds no value."));
        var nonceSize = AesGcm.NonceByteSizes.MaxSize;
        var tagSize = AesGcm.TagByteSizes.MaxSize;
        if (bytes.Length < nonceSize + tagSize)
        {
            throw new CryptographicException("The key ring entry is too short.");
        }

        var plaintext = new byte[bytes.Length - nonceSize - tagSize];
        using (var aes = new AesGcm(key, tagSize))
        {
            aes.Decrypt(bytes.AsSpan(0, nonceSize), bytes.AsSpan(nonceSize, plaintext.Length), bytes.AsSpan(nonceSize + plaintext.Length), plaintext, KeyRingXmlEncryptor.AssociatedData);
        }

        try
        {
            return XElement.Parse(Encoding.UTF8.GetString(plaintext));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(plaintext);
        }
    }
}
