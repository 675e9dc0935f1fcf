using Educloud.Idp.Data;
using Educloud.Idp.Federation;
using Educloud.Idp.Sessions;
using Educloud.Idp.Totp;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using OpenIddict.EntityFrameworkCore.Models;

namespace Educloud.Idp.Pages.Account.Overview;

/// <summary>
/// The person's own page (/account): their authenticator, their open sessions, and the last events
/// of their own audit trail. Needs an IdP session (both factors); without one the folder's rule
/// sends the person to log in and back here. Everything is read for the session's own user id,
/// never from the request, so no one sees another person's sessions or events.
/// </summary>
public sealed class OverviewModel(IdpDbContext db, SessionService sessions, EverySession everySession, TimeProvider time) : PageModel
{
    /// <summary>How many of the person's own audit events the page shows.</summary>
    public const int EventsShown = 20;

    // Support's checks on people who hold a role: about support's acts, not the person's account.
    private static readonly string[] NotShownToThePerson = [AuditEventTypes.RefusedOnPrivileged, AuditEventTypes.ActedOnPrivileged];

    private Dictionary<string, string> appNames = new(StringComparer.Ordinal);

    public string? UserName { get; private set; }

    public AuthenticatorView? Authenticator { get; private set; }

    public IReadOnlyList<SessionView> Sessions { get; private set; } = [];

    public IReadOnlyList<EventView> Events { get; private set; } = [];

    public async Task<IActionResult> OnGetAsync()
    {
        if (SessionFacts.From(User) is not { } facts)
        {
            return Challenge();
        }

        var cancellationToken = HttpContext.RequestAborted;
        var now = time.GetUtcNow();
        UserName = await db.Users.AsNoTracking().Where(u => u.Id == facts.UserId).Select(u => u.UserName).SingleOrDefaultAsync(cancellationToken);
        Authenticator = await db.TotpFactors.AsNoTracking()
            .Where(f => f.UserId == facts.UserId && f.State == TotpFactorState.Active)
            .Select(f => new AuthenticatorView(f.ConfirmedAt ?? f.CreatedAt, f.LastUsedAt))
            .SingleOrDefaultAsync(cancellationToken);

        var open = await db.Sessions.AsNoTracking()
            .Where(s => s.UserId == facts.UserId && s.EndedAt == null && s.ExpiresAt > now)
            .Select(s => new { s.Id, s.CreatedAt, s.UpstreamAcr })
            .ToListAsync(cancellationToken);
        var ids = open.Select(s => s.Id).ToList();
        // The apps that got a login in each session, in the order they got it.
        var apps = (await db.SessionApps.AsNoTracking().Where(a => ids.Contains(a.SessionId))
                .Select(a => new { a.SessionId, a.ClientId, a.IssuedAt }).ToListAsync(cancellationToken))
            .OrderBy(a => a.IssuedAt).GroupBy(a => a.SessionId)
            .ToDictionary(g => g.Key, g => (IReadOnlyList<string>)[.. g.Select(a => a.ClientId).Distinct()], StringComparer.Ordinal);
        Sessions = [.. open
            .Select(s => new SessionView(
                s.CreatedAt,
                s.Id == facts.SessionId ? facts.Acr : s.UpstreamAcr ?? LocalAccounts.LocalAccountExtensions.Acr,
                s.Id == facts.SessionId,
                apps.GetValueOrDefault(s.Id, [])))
            .OrderByDescending(s => s.IsThis).ThenByDescending(s => s.StartedAt)];

        var events = await db.AuditEvents.AsNoTracking()
            .Where(e => e.UserId == facts.UserId && !NotShownToThePerson.Contains(e.Type))
            .OrderByDescending(e => e.Id).Take(EventsShown)
            .Select(e => new { e.At, e.Type, e.ClientId, e.Reason })
            .ToListAsync(cancellationToken);
        // The reason is support's note, not the person's to read; only a login's level is shown from it.
        Events = [.. events.Select(e => new EventView(e.At, e.Type, e.ClientId, e.Type == AuditEventTypes.LoginSucceeded ? e.Reason : null))];

        var clientIds = events.Select(e => e.ClientId).OfType<string>().Concat(apps.Values.SelectMany(a => a)).Distinct().ToList();
        appNames = clientIds.Count == 0
            ? appNames
            : await db.Set<OpenIddictEntityFrameworkCoreApplication>().AsNoTracking()
                .Where(a => a.ClientId != null && clientIds.Contains(a.ClientId))
                .ToDictionaryAsync(a => a.ClientId!, a => a.DisplayName ?? a.ClientId!, StringComparer.Ordinal, cancellationToken);
        return Page();
    }

    /// <summary>
    /// "Log out everywhere": this session (and ID-porten's, as "Log out" does), then every other
    /// session of the person and what apps hold, through the sessions services (which tell the apps).
    /// No fresh one-time code: it only takes access away (docs/decisions.md, issue 12).
    /// </summary>
    public async Task<IActionResult> OnPostEverywhereAsync()
    {
        if (SessionFacts.From(User) is not { } facts)
        {
            return Challenge();
        }

        var upstreamIdToken = await sessions.EndEverythingReturningUpstreamIdTokenAsync(HttpContext, LogoutWay.Everywhere);
        await everySession.EndAsync(facts.UserId, HttpContext.RequestAborted);
        return upstreamIdToken is null ? Redirect(AccountPaths.Start) : UpstreamLogout.ThenReturnTo(upstreamIdToken, AccountPaths.Start);
    }

    /// <summary>The app's name as registered, or its client id.</summary>
    public string? AppName(string? clientId) => clientId is null ? null : appNames.GetValueOrDefault(clientId, clientId);
}

/// <summary>The active authenticator: when it was added (confirmed) and last accepted a code.</summary>
public sealed record AuthenticatorView(DateTimeOffset AddedAt, DateTimeOffset? LastUsedAt);

/// <summary>An open session of the person; <paramref name="Acr"/> its level, <paramref name="IsThis"/> the one of this browser, <paramref name="Apps"/> the client ids of the apps it logged in to.</summary>
public sealed record SessionView(DateTimeOffset StartedAt, string Acr, bool IsThis, IReadOnlyList<string> Apps);

/// <summary>One event of the person's audit trail; <paramref name="Level"/> the acr of a login.</summary>
public sealed record EventView(DateTimeOffset At, string Type, string? ClientId, string? Level);
