using Educloud.Idp.Data;
using Educloud.Idp.Mail;
using Educloud.Idp.Sessions;
using Educloud.Shared.Branding;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Educloud.Idp.Profile;

/// <summary>
/// Telling a person that their authenticator was revoked or replaced (ASVS 5 6.3.7). The notice is a
/// row, written with the act: shown on the code or enrollment page of the next login, until a login
/// completes with it on its page (<see cref="MarkSeenAsync"/>). The email goes after the act is
/// committed, to a confirmed address only; a failed send is logged, not retried (docs/decisions.md):
/// the row still tells the person at their next login.
/// </summary>
public sealed partial class ChangeNotices(IdpDbContext db, MailSender mail, TimeProvider time, IOptions<BrandingOptions> brand, ILogger<ChangeNotices> logger)
{
    /// <summary>Adds the notice to the unit of work: saved by the caller's SaveChanges, with the act.</summary>
    public ChangeNotice Add(string userId, string kind)
    {
        var notice = new ChangeNotice { Id = Guid.NewGuid(), UserId = userId, Kind = kind, At = time.GetUtcNow() };
        db.ChangeNotices.Add(notice);
        return notice;
    }

    /// <summary>Adds, saves and mails a notice (for an act already committed, such as a confirmed authenticator).</summary>
    public async Task RecordAsync(string userId, string kind, CancellationToken cancellationToken)
    {
        var notice = Add(userId, kind);
        await db.SaveChangesAsync(cancellationToken);
        await MailAsync(notice);
    }

    /// <summary>Mails a saved notice to the person's confirmed address, if they have one and mail is configured.</summary>
    public async Task MailAsync(ChangeNotice notice)
    {
        if (!mail.Enabled)
        {
            return;
        }

        var to = await db.Users.AsNoTracking().Where(u => u.Id == notice.UserId && u.EmailConfirmed && u.Email != null)
            .Select(u => u.Email).SingleOrDefaultAsync(CancellationToken.None);
        if (to is null)
        {
            LogNoAddress(logger, notice.UserId, notice.Kind);
            return;
        }

        // Not the request's token: the act is done, a client gone away must not cancel telling the person.
        await mail.SendAsync(ProfileMails.Notice(to, notice, brand.Value), CancellationToken.None);
    }

    /// <summary>The notices still to be shown to the person, oldest first.</summary>
    public Task<List<ChangeNotice>> UnseenAsync(string userId, CancellationToken cancellationToken) =>
        Unseen(userId).ToListAsync(cancellationToken);

    /// <summary>
    /// The notices of the person of a pending login (<see cref="PendingLogin.Live"/>), read in
    /// the statement that finds it live: the code page of every login costs one round trip, not two
    /// (docs/performance.md, "Session 8"). Null: the pending login is not live.
    /// </summary>
    public async Task<IReadOnlyList<ChangeNotice>?> UnseenIfLiveAsync(IQueryable<PendingLoginNonce> live, CancellationToken cancellationToken)
    {
        var all = db.ChangeNotices.AsNoTracking();
        var found = await live
            .Select(p => new { Notices = all.Where(n => n.UserId == p.UserId && n.SeenAt == null).OrderBy(n => n.At).Take(ShownAtMost).ToList() })
            .FirstOrDefaultAsync(cancellationToken);
        return found?.Notices;
    }

    private const int ShownAtMost = 10;

    private IQueryable<ChangeNotice> Unseen(string userId) =>
        db.ChangeNotices.AsNoTracking().Where(n => n.UserId == userId && n.SeenAt == null).OrderBy(n => n.At).Take(ShownAtMost);

    /// <summary>A login completed: the notices its code or enrollment page showed are seen.</summary>
    public Task MarkSeenAsync(string userId, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        return db.ChangeNotices.Where(n => n.UserId == userId && n.SeenAt == null)
            .ExecuteUpdateAsync(n => n.SetProperty(x => x.SeenAt, now), cancellationToken);
    }

    [LoggerMessage(EventId = 8621, Level = LogLevel.Information, Message = "Notice {Kind} for user {UserId} not mailed: no confirmed address")]
    private static partial void LogNoAddress(ILogger logger, string userId, string kind);
}
