using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Educloud.Idp.Data;

/// <summary>
/// The outbox of back-channel logout (OIDC Back-Channel Logout 1.0): one row per app to tell that a
/// session ended, written in the same transaction that ends the session, so no ending is lost to a
/// crash or restart. The sender (Logout/LogoutSender.cs) claims a row before sending it
/// (<see cref="ClaimedUntil"/>, <see cref="ClaimedBy"/>: one conditional UPDATE), so two replicas
/// never send the same row; a delivered row is deleted, a row that kept failing past the retry
/// window stays <see cref="LogoutNotificationState.Failed"/> for admins to see until it is pruned.
/// </summary>
public sealed class LogoutNotification
{
    /// <summary>Also the logout token's <c>jti</c>: a resend (after a crash mid-send) is recognisably the same.</summary>
    public Guid Id { get; set; }

    public required string ClientId { get; set; }

    /// <summary>The ended session's id, the token's <c>sid</c>.</summary>
    public required string SessionId { get; set; }

    /// <summary>The person, the token's <c>sub</c>.</summary>
    public required string Subject { get; set; }

    /// <summary>The app's back-channel logout URI when the session ended.</summary>
    public required string Uri { get; set; }

    public LogoutNotificationState State { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    /// <summary>Not sent before this (backoff after a failure).</summary>
    public DateTimeOffset NextAttemptAt { get; set; }

    public int Attempts { get; set; }

    /// <summary>A sender's lease: while in the future, only <see cref="ClaimedBy"/> may send the row.</summary>
    public DateTimeOffset? ClaimedUntil { get; set; }

    public string? ClaimedBy { get; set; }

    /// <summary>Why the last attempt failed (a status code or "timeout"; never the token).</summary>
    public string? LastError { get; set; }
}

public enum LogoutNotificationState
{
    Pending,
    Failed,
}

internal sealed class LogoutNotificationConfiguration : IEntityTypeConfiguration<LogoutNotification>
{
    public void Configure(EntityTypeBuilder<LogoutNotification> notification)
    {
        notification.ToTable("LogoutNotifications");
        notification.HasKey(n => n.Id);
        notification.Property(n => n.ClientId).HasMaxLength(100);
        notification.Property(n => n.SessionId).HasMaxLength(64);
        notification.Property(n => n.Subject).HasMaxLength(450);
        notification.Property(n => n.Uri).HasMaxLength(2000);
        notification.Property(n => n.State).HasConversion<string>().HasMaxLength(16);
        notification.Property(n => n.ClaimedBy).HasMaxLength(64);
        notification.Property(n => n.LastError).HasMaxLength(200);
        notification.HasIndex(n => new { n.State, n.NextAttemptAt });
        notification.HasIndex(n => new { n.ClientId, n.State });
    }
}
