using Microsoft.AspNetCore.DataProtection.EntityFrameworkCore;
using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Educloud.Idp.LocalAccounts;
using Educloud.Idp.Totp;
using Microsoft.EntityFrameworkCore;

namespace Educloud.Idp.Data;

/// <summary>
/// The one EF Core model: Identity, OpenIddict's entities, sessions and the Data Protection key ring.
/// Each database provider derives its own context so that it keeps its own migrations.
/// </summary>
public abstract class IdpDbContext(DbContextOptions options) : IdentityDbContext<IdpUser>(options), IDataProtectionKeyContext
{
    public DbSet<UserSession> Sessions => Set<UserSession>();

    public DbSet<DataProtectionKey> DataProtectionKeys => Set<DataProtectionKey>();

    public DbSet<TotpFactor> TotpFactors => Set<TotpFactor>();

    public DbSet<AuditEvent> AuditEvents => Set<AuditEvent>();

    public DbSet<EnrollmentCode> EnrollmentCodes => Set<EnrollmentCode>();

    public DbSet<Sessions.PendingLoginNonce> PendingLogins => Set<Sessions.PendingLoginNonce>();

    public DbSet<SessionApp> SessionApps => Set<SessionApp>();

    public DbSet<LogoutNotification> LogoutNotifications => Set<LogoutNotification>();

    public DbSet<Profile.EmailConfirmation> EmailConfirmations => Set<Profile.EmailConfirmation>();

    public DbSet<Profile.ChangeNotice> ChangeNotices => Set<Profile.ChangeNotice>();

    protected override void OnModelCreating(ModelBuilder builder)
    {
        base.OnModelCreating(builder);
        builder.UseOpenIddict();
        builder.ApplyConfiguration(new SessionAppConfiguration());
        builder.ApplyConfiguration(new LogoutNotificationConfiguration());

        builder.Entity<IdpUser>(user =>
        {
            user.Property(u => u.PidHash).HasMaxLength(64);
            user.HasIndex(u => u.PidHash).IsUnique();
            user.Property(u => u.DisplayName).HasMaxLength(FieldLimits.DisplayName);
        });

        builder.Entity<UserSession>(session =>
        {
            session.ToTable("Sessions");
            session.HasKey(s => s.Id);
            session.Property(s => s.Id).HasMaxLength(64);
            session.Property(s => s.UserId).HasMaxLength(450);
            session.Property(s => s.UpstreamSessionId).HasMaxLength(200);
            session.Property(s => s.UpstreamAcr).HasMaxLength(100);
            session.Property(s => s.UpstreamAmr).HasMaxLength(200);
            session.Property(s => s.ClientIp).HasMaxLength(64);
            session.HasIndex(s => s.UserId);
            session.HasIndex(s => s.UpstreamSessionId);
            session.HasOne<IdpUser>().WithMany().HasForeignKey(s => s.UserId).OnDelete(DeleteBehavior.Cascade);
        });

        builder.Entity<TotpFactor>(factor =>
        {
            factor.ToTable("TotpFactors");
            factor.HasKey(f => f.Id);
            factor.Property(f => f.UserId).HasMaxLength(450);
            factor.Property(f => f.State).HasConversion<string>().HasMaxLength(16);
            factor.HasIndex(f => new { f.UserId, f.State });
            factor.HasOne<IdpUser>().WithMany().HasForeignKey(f => f.UserId).OnDelete(DeleteBehavior.Cascade);
        });

        builder.Entity<EnrollmentCode>(code =>
        {
            code.ToTable("EnrollmentCodes");
            code.HasKey(c => c.Id);
            code.Property(c => c.UserId).HasMaxLength(450);
            code.Property(c => c.CodeHash).HasMaxLength(64);
            code.Property(c => c.IssuedBy).HasMaxLength(450);
            code.HasIndex(c => new { c.UserId, c.CodeHash });
            code.HasOne<IdpUser>().WithMany().HasForeignKey(c => c.UserId).OnDelete(DeleteBehavior.Cascade);
        });

        builder.Entity<Sessions.PendingLoginNonce>(nonce =>
        {
            nonce.ToTable("PendingLogins");
            nonce.HasKey(n => n.Id);
            nonce.Property(n => n.Id).HasMaxLength(32);
            nonce.Property(n => n.UserId).HasMaxLength(450);
            nonce.HasIndex(n => n.ExpiresAt);
            nonce.HasOne<IdpUser>().WithMany().HasForeignKey(n => n.UserId).OnDelete(DeleteBehavior.Cascade);
        });

        builder.Entity<AuditEvent>(audit =>
        {
            audit.ToTable("AuditEvents");
            audit.HasKey(a => a.Id);
            audit.Property(a => a.Type).HasMaxLength(64);
            audit.Property(a => a.UserId).HasMaxLength(450);
            audit.Property(a => a.ClientId).HasMaxLength(200);
            audit.Property(a => a.ClientIp).HasMaxLength(64);
            audit.Property(a => a.Actor).HasMaxLength(450);
            audit.Property(a => a.ActorRole).HasMaxLength(32);
            audit.Property(a => a.Reason).HasMaxLength(FieldLimits.Reason);
            audit.HasIndex(a => new { a.UserId, a.At });
            audit.HasIndex(a => new { a.Type, a.At });
        });

        Profile.ProfileModel.Configure(builder);
    }
}
