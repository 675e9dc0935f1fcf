using System.Security.Cryptography;
using System.Xml.Linq;
using Educloud.Idp.Data;
using Educloud.Idp.Keys;
using Educloud.Idp.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Educloud.Idp.Tests.Data;

/// <summary>
/// The Data Protection key ring opens the authenticators' secrets and the encrypted pids; it is
/// stored in the same database, so it must be encrypted there under a key that is not.
/// </summary>
public sealed class KeyRingProtectionTests(IdpFixture fixture) : IClassFixture<IdpFixture>
{
    private static readonly XNamespace DataProtection = "http://schemas.asp.net/2015/03/dataProtection";

    private IdpHost Idp => fixture.Idp;

    [Fact]
    public async Task KeyRingInTheDatabase_AfterAnEnrollment_HoldsNoKeyInClear()
    {
        await fixture.LoggedInBrowserAsync();

        var entries = await KeyRingEntriesAsync();

        entries.Should().NotBeEmpty("setting up an authenticator protects its secret");
        entries.Should().OnlyContain(xml => xml.Contains("encryptedSecret") && xml.Contains(nameof(KeyRingXmlDecryptor)));
        entries.Should().NotContain(xml => xml.Contains("masterKey"), "the key material itself is inside the encrypted part");
    }

    [Fact]
    public async Task KeyRingEntry_OpensWithTheIdPsKey_AndNotWithTheDatabaseAlone()
    {
        await fixture.LoggedInBrowserAsync();
        var encrypted = EncryptedPart((await KeyRingEntriesAsync())[0]);

        var opened = new KeyRingXmlDecryptor(Idp.Services).Decrypt(encrypted);
        var withAnotherKey = () => new KeyRingXmlDecryptor(new KeyRingKeys(RandomNumberGenerator.GetBytes(32), [])).Decrypt(encrypted);

        opened.Name.LocalName.Should().Be("masterKey");
        withAnotherKey.Should().Throw<CryptographicException>();
    }

    [Fact]
    public async Task KeyRing_ReadBackByDataProtection_GivesUsableKeys()
    {
        await fixture.LoggedInBrowserAsync();
        using var scope = Idp.Services.CreateScope();
        var manager = scope.ServiceProvider.GetRequiredService<Microsoft.AspNetCore.DataProtection.KeyManagement.IKeyManager>();

        // Reading a key's descriptor decrypts its entry the way a restarted IdP or another replica does.
        var keys = manager.GetAllKeys();

        keys.Should().NotBeEmpty();
        keys.Should().OnlyContain(k => k.Descriptor != null);
    }

    [Fact]
    public void EncryptedEntry_AfterTheKeyChanged_IsReadWithThePreviousKey_AndTamperingIsRefused()
    {
        var oldKey = RandomNumberGenerator.GetBytes(32);
        var newKey = RandomNumberGenerator.GetBytes(32);
        var plaintext = new XElement("masterKey", new XElement("value", "c2VjcmV0LWtleS1tYXRlcmlhbA=="));

        var info = new KeyRingXmlEncryptor(new KeyRingKeys(oldKey, [])).Encrypt(plaintext);

        info.DecryptorType.Should().Be<KeyRingXmlDecryptor>();
        info.EncryptedElement.ToString().Should().NotContain("c2VjcmV0LWtleS1tYXRlcmlhbA==");
        XNode.DeepEquals(new KeyRingXmlDecryptor(new KeyRingKeys(newKey, [oldKey])).Decrypt(info.EncryptedElement), plaintext).Should().BeTrue();
        var withoutTheOldKey = () => new KeyRingXmlDecryptor(new KeyRingKeys(newKey, [])).Decrypt(info.EncryptedElement);
        withoutTheOldKey.Should().Throw<CryptographicException>();

        var tampered = new XElement(info.EncryptedElement);
        var value = tampered.Elements().Single();
        var bytes = Convert.FromBase64String(value.Value);
        bytes[20] ^= 1;
        value.Value = Convert.ToBase64String(bytes);
        var readTampered = () => new KeyRingXmlDecryptor(new KeyRingKeys(oldKey, [])).Decrypt(tampered);
        readTampered.Should().Throw<CryptographicException>();
    }

    private async Task<List<string>> KeyRingEntriesAsync()
    {
        await using var scope = Idp.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<IdpDbContext>().DataProtectionKeys
            .Select(k => k.Xml!).ToListAsync();
    }

    private static XElement EncryptedPart(string entry) =>
        XElement.Parse(entry).Descendants(DataProtection + "encryptedSecret").Single().Elements().Single();
}
