using Educloud.Idp.Data;
using Microsoft.EntityFrameworkCore;

namespace Educloud.Idp.Profile;

/// <summary>
/// An email address waiting for the person to open the link sent to it. Only the token's SHA-256 is
/// stored (like a password reset token: a copy of the table confirms nothing). One per person: a new
/// address replaces the row, so a link sent to an older address does nothing.
/// </summary>
public sealed class EmailConfirmation
{
    public Guid Id { get; set; }

    public required string UserId { get; set; }

    /// <summary>The address the link was sent to: the only one it can confirm.</summary>
    public required string Email { get; set; }

    /// <summary>SHA-256 of the token in the link, lowercase hex.</summary>
    public required string TokenHash { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset ExpiresAt { get; set; }
}

/// <summary>
/// Something done to the person's authenticator that they must hear about (ASVS 5 6.3.7: notify of
/// changes to authentication factors): shown on the code or enrollment page of their next login
/// until a login completes with it on the page, and mailed at once to a confirmed address.
/// </summary>
public sealed class ChangeNotice
{
    public Guid Id { get; set; }

    public required string UserId { get; set; }

    /// <summary>One of <see cref="ChangeNoticeKinds"/>.</summary>
    public required string Kind { get; set; }

    public DateTimeOffset At { get; set; }

    /// <summary>When a login completed with the notice on its page; null: still to be shown.</summary>
    public DateTimeOffset? SeenAt { get; set; }
}

public static class ChangeNoticeKinds
{
    /// <summary>Support or an admin revoked the authenticator.</summary>
    public const string AuthenticatorRevoked = "authenticator-revoked";

    /// <summary>A new authenticator was set up ("Need a new one-time code?") and replaced the old one.</summary>
    public const string AuthenticatorReplaced = "authenticator-replaced";
}

/// <summary>The profile's tables, kept out of IdpDbContext's own list (one line there calls this).</summary>
public static class ProfileModel
{
    public static void Configure(ModelBuilder builder)
    {
        builder.Entity<IdpUser>(user =>
        {
            user.Property(u => u.NormalizedDisplayName).HasMaxLength(FieldLimits.DisplayName);
            user.HasIndex(u => u.NormalizedDisplayName);
        });

        builder.Entity<EmailConfirmation>(confirmation =>
        {
            confirmation.ToTable("EmailConfirmations");
            confirmation.HasKey(c => c.Id);
            confirmation.Property(c => c.UserId).HasMaxLength(450);
            confirmation.Property(c => c.Email).HasMaxLength(FieldLimits.Email);
            confirmation.Property(c => c.TokenHash).HasMaxLength(64);
            confirmation.HasIndex(c => c.TokenHash).IsUnique();
            confirmation.HasIndex(c => c.UserId);
            confirmation.HasOne<IdpUser>().WithMany().HasForeignKey(c => c.UserId).OnDelete(DeleteBehavior.Cascade);
        });

        builder.Entity<ChangeNotice>(notice =>
        {
            notice.ToTable("ChangeNotices");
            notice.HasKey(n => n.Id);
            notice.Property(n => n.UserId).HasMaxLength(450);
            notice.Property(n => n.Kind).HasMaxLength(32);
            notice.HasIndex(n => new { n.UserId, n.SeenAt });
            notice.HasOne<IdpUser>().WithMany().HasForeignKey(n => n.UserId).OnDelete(DeleteBehavior.Cascade);
        });
    }
}
