using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using Educloud.Idp.Data;
using OpenIddict.Abstractions;
using OpenIddict.Core;

namespace Educloud.Idp.Connect;

/// <summary>
/// Remembers, for a few minutes, that a client secret matched its stored PBKDF2 hash, so that an
/// app presenting the same secret again is not hashed again (10,000 PBKDF2-SHA256 iterations cost
/// ~2.3 ms of CPU per token request, the largest single cost of a refresh grant: docs/performance.md).
/// <para>
/// What keeps this safe: only a secret that passed the full PBKDF2 check is remembered, so a wrong
/// guess always pays the full price; an entry is bound to the stored hash (with its salt), so a
/// rotated secret or a changed client no longer matches; the process keeps only an HMAC of the
/// secret under a random key that never leaves memory, never the secret; entries expire and the
/// set is bounded. A deleted client fails before this point (its client_id is not found).
/// </para>
/// </summary>
public sealed class VerifiedClientSecrets(TimeProvider time)
{
    private const int Capacity = 4096;
    private static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(10);

    private readonly byte[] key = RandomNumberGenerator.GetBytes(32);
    private readonly ConcurrentDictionary<string, DateTimeOffset> verified = new(StringComparer.Ordinal);

    public bool Contains(string secret, string storedHash) =>
        verified.TryGetValue(Fingerprint(secret, storedHash), out var expires) && expires > time.GetUtcNow();

    public void Add(string secret, string storedHash)
    {
        if (verified.Count >= Capacity)
        {
            // Many distinct valid secrets in ten minutes is unusual; starting over is cheap and bounded.
            verified.Clear();
        }

        verified[Fingerprint(secret, storedHash)] = time.GetUtcNow() + Lifetime;
    }

    private string Fingerprint(string secret, string storedHash) =>
        Convert.ToHexString(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(storedHash + "\n" + secret)));
}

/// <summary>
/// OpenIddict's application manager, with verified client secrets remembered (see
/// <see cref="VerifiedClientSecrets"/>), and every replica told when an app changed (see
/// <see cref="CachedApplications"/>): every change of an app (admin API, configured Clients) passes here.
/// </summary>
public sealed class IdpApplicationManager<TApplication>(
    IOpenIddictApplicationCache<TApplication> cache,
    ILogger<OpenIddictApplicationManager<TApplication>> logger,
    IOptionsMonitor<OpenIddictCoreOptions> options,
    IOpenIddictApplicationStore<TApplication> store,
    VerifiedClientSecrets verified,
    IApplicationChanges changes,
    IdpDbContext db)
    : OpenIddictApplicationManager<TApplication>(cache, logger, options, store)
    where TApplication : class
{
    // Every other UpdateAsync overload ends here. The notice goes after the row is saved: a
    // replica that reads the row again after hearing it reads the new one.
    public override async ValueTask UpdateAsync(TApplication application, CancellationToken cancellationToken = default)
    {
        await base.UpdateAsync(application, cancellationToken);
        await changes.AnnounceAsync(db, cancellationToken);
    }

    public override async ValueTask DeleteAsync(TApplication application, CancellationToken cancellationToken = default)
    {
        await base.DeleteAsync(application, cancellationToken);
        await changes.AnnounceAsync(db, cancellationToken);
    }

    protected override async ValueTask<bool> ValidateClientSecretAsync(string secret, string comparand, CancellationToken cancellationToken = default)
    {
        if (verified.Contains(secret, comparand))
        {
            return true;
        }

        if (!await base.ValidateClientSecretAsync(secret, comparand, cancellationToken))
        {
            return false;
        }

        verified.Add(secret, comparand);
        return true;
    }
}
