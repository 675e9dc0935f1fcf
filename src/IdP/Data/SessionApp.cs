using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Educloud.Idp.Data;

/// <summary>
/// An app that got a login in an IdP session: one row per OpenIddict authorization (one per login
/// and app), written when the authorization endpoint issues the code. It says which apps to tell
/// when the session ends (OIDC Back-Channel Logout 1.0) and which authorizations, with their
/// refresh tokens, end with it; the account page shows the session's apps from it.
/// </summary>
/// <remarks>
/// An app that logs in twice in one session has two rows (two authorizations): "which apps" is
/// the distinct <see cref="ClientId"/>s of a session, the first login there the smallest <see cref="IssuedAt"/>.
/// The rows go with their session (cascade), when the pruning job deletes it.
/// </remarks>
public sealed class SessionApp
{
    /// <summary>The OpenIddict authorization the code (and its refresh tokens) belongs to.</summary>
    public required string AuthorizationId { get; set; }

    /// <summary>Our session id (<see cref="UserSession.Id"/>, the <c>sid</c> claim).</summary>
    public required string SessionId { get; set; }

    public required string ClientId { get; set; }

    /// <summary>When the app was given this login (its authorization code).</summary>
    public DateTimeOffset IssuedAt { get; set; }
}

internal sealed class SessionAppConfiguration : IEntityTypeConfiguration<SessionApp>
{
    public void Configure(EntityTypeBuilder<SessionApp> app)
    {
        app.ToTable("SessionApps");
        app.HasKey(a => a.AuthorizationId);
        app.Property(a => a.AuthorizationId).HasMaxLength(100);
        app.Property(a => a.SessionId).HasMaxLength(64);
        app.Property(a => a.ClientId).HasMaxLength(100);
        app.HasIndex(a => a.SessionId);
        app.HasOne<UserSession>().WithMany().HasForeignKey(a => a.SessionId).OnDelete(DeleteBehavior.Cascade);
    }
}
