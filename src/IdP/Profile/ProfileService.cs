using System.Security.Cryptography;
using System.Text;
using Educloud.Idp.Data;
using Educloud.Idp.Mail;
using Educloud.Shared.Branding;
using Educloud.Shared.Localization;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Educloud.Idp.Profile;

/// <summary>
/// A person's name and email address, as they give them. The address is used (notices, search by
/// support) only once the person opened the link sent to it: a confirmation proves they read that
/// mailbox, nothing else (it needs no session and gives none).
/// </summary>
public sealed partial class ProfileService(IdpDbContext db, MailSender mail, AuditLog audit, TimeProvider time, IOptions<BrandingOptions> brand, ILogger<ProfileService> logger)
{
    /// <summary>How long a confirmation link works (OWASP Forgot Password cheat sheet: short-lived, single-use; a day for a mailbox one checks daily).</summary>
    public static readonly TimeSpan ConfirmationLifetime = TimeSpan.FromHours(24);

    public async Task SetNameAsync(IdpUser user, string? name, CancellationToken cancellationToken)
    {
        if (user.DisplayName == name)
        {
            return;
        }

        user.DisplayName = name;
        await db.SaveChangesAsync(cancellationToken);
    }

    /// <summary>The address waiting for its link to be opened (not expired), if any.</summary>
    public Task<string?> PendingEmailAsync(string userId, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        return db.EmailConfirmations.AsNoTracking().Where(c => c.UserId == userId && c.ExpiresAt > now)
            .Select(c => c.Email).FirstOrDefaultAsync(cancellationToken);
    }

    /// <summary>
    /// A new address: any earlier link stops working, and a link to this one is sent. The confirmed
    /// address (if any) stays in use until the new one is confirmed.
    /// The mail is in the language of the current request: the person asks for it on a page.
    /// </summary>
    /// <param name="confirmPage">The absolute address of the confirmation page; the token is added to it.</param>
    /// <returns>Whether the link was handed to the SMTP server (false also when mail is not configured).</returns>
    public async Task<bool> RequestEmailAsync(IdpUser user, string email, string confirmPage, AuditSource source, CancellationToken cancellationToken)
    {
        var token = Base64Url(RandomNumberGenerator.GetBytes(32));
        var now = time.GetUtcNow();
        await using (var transaction = await db.Database.BeginTransactionAsync(cancellationToken))
        {
            await db.EmailConfirmations.Where(c => c.UserId == user.Id).ExecuteDeleteAsync(cancellationToken);
            db.EmailConfirmations.Add(new EmailConfirmation
            {
                Id = Guid.NewGuid(),
                UserId = user.Id,
                Email = email,
                TokenHash = Hash(token),
                CreatedAt = now,
                ExpiresAt = now + ConfirmationLifetime,
            });
            audit.Add(ProfileAuditEvents.EmailConfirmationSent, user.Id, source);
            await db.SaveChangesAsync(cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }

        LogConfirmationRequested(logger, user.Id);
        var link = confirmPage + "?token=" + token;
        return await mail.SendAsync(ProfileMails.Confirmation(email, link, now + ConfirmationLifetime, Languages.Current, brand.Value), CancellationToken.None);
    }

    /// <summary>The person no longer wants mail: the address and any link waiting are gone.</summary>
    public async Task RemoveEmailAsync(IdpUser user, AuditSource source, CancellationToken cancellationToken)
    {
        await db.EmailConfirmations.Where(c => c.UserId == user.Id).ExecuteDeleteAsync(cancellationToken);
        if (user.Email is not null)
        {
            user.Email = null;
            user.NormalizedEmail = null;
            user.EmailConfirmed = false;
            audit.Add(ProfileAuditEvents.EmailRemoved, user.Id, source);
            await db.SaveChangesAsync(cancellationToken);
        }
    }

    /// <summary>The address a link would confirm, if the link still works (the page shows it before the person confirms).</summary>
    public Task<string?> AddressOfAsync(string? token, CancellationToken cancellationToken)
    {
        if (!IsWellFormed(token))
        {
            return Task.FromResult<string?>(null);
        }

        var hash = Hash(token);
        var now = time.GetUtcNow();
        return db.EmailConfirmations.AsNoTracking().Where(c => c.TokenHash == hash && c.ExpiresAt > now).Select(c => c.Email).FirstOrDefaultAsync(cancellationToken);
    }

    /// <summary>
    /// Opens a link: once, before it expires, and only while it is the person's latest. The address it
    /// was sent to becomes their confirmed address.
    /// </summary>
    /// <returns>The address confirmed, or null: the link does not work (nothing changed).</returns>
    public async Task<string?> ConfirmAsync(string? token, AuditSource source, CancellationToken cancellationToken)
    {
        if (!IsWellFormed(token))
        {
            return null;
        }

        var hash = Hash(token);
        var now = time.GetUtcNow();
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var confirmation = await db.EmailConfirmations.AsNoTracking().SingleOrDefaultAsync(c => c.TokenHash == hash && c.ExpiresAt > now, cancellationToken);
        // The link is spent by one conditional DELETE: of two requests with it, one confirms.
        if (confirmation is null || await db.EmailConfirmations.Where(c => c.Id == confirmation.Id).ExecuteDeleteAsync(cancellationToken) != 1)
        {
            LogConfirmationRefused(logger);
            return null;
        }

        await db.Users.Where(u => u.Id == confirmation.UserId).ExecuteUpdateAsync(u => u
            .SetProperty(x => x.Email, confirmation.Email)
            .SetProperty(x => x.NormalizedEmail, confirmation.Email.ToUpperInvariant())
            .SetProperty(x => x.EmailConfirmed, true), cancellationToken);
        audit.Add(ProfileAuditEvents.EmailConfirmed, confirmation.UserId, source);
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        LogConfirmed(logger, confirmation.UserId);
        return confirmation.Email;
    }

    // 32 random bytes in base64url: 43 characters. Anything else is not one of ours (and is not hashed).
    private static bool IsWellFormed([System.Diagnostics.CodeAnalysis.NotNullWhen(true)] string? token) =>
        token is { Length: 43 } && token.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_');

    private static string Hash(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.ASCII.GetBytes(token)));

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    [LoggerMessage(EventId = 8611, Level = LogLevel.Information, Message = "Email confirmation link made for user {UserId}")]
    private static partial void LogConfirmationRequested(ILogger logger, string userId);

    [LoggerMessage(EventId = 8612, Level = LogLevel.Information, Message = "Email address confirmed for user {UserId}")]
    private static partial void LogConfirmed(ILogger logger, string userId);

    [LoggerMessage(EventId = 8613, Level = LogLevel.Warning, Message = "Email confirmation link refused: unknown, used, replaced or expired")]
    private static partial void LogConfirmationRefused(ILogger logger);
}

/// <summary>The profile's audit events (next to <see cref="AuditEventTypes"/>; the person acts on their own account).</summary>
public static class ProfileAuditEvents
{
    public const string EmailConfirmationSent = "profile.email_confirmation_sent";
    public const string EmailConfirmed = "profile.email_confirmed";
    public const string EmailRemoved = "profile.email_removed";
}
