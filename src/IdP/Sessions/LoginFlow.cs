using Educloud.Idp.Data;
using Educloud.Idp.Hosting;
using Educloud.Idp.LocalAccounts;
using Educloud.Idp.Profile;
using Educloud.Idp.Totp;

namespace Educloud.Idp.Sessions;

/// <summary>
/// One login, from the first factor to the way back to the app, in the order it happens. The pages
/// and the ID-porten callback only read their input, call one step here and show what it says.
/// The codes themselves are checked in <see cref="TotpService"/>; the rest of the second factor is here.
/// </summary>
/// <remarks>
/// <list type="number">
/// <item><see cref="FirstFactorDoneAsync"/>: ID-porten, a password or an enrollment code has
///   proven who the person is. Never a session yet: a pending login (<see cref="PendingLogin"/>,
///   a cookie bound to a server-side nonce), and the next step: the code page, or the enrollment.</item>
/// <item><see cref="CodePageAsync"/> and <see cref="SubmitCodeAsync"/>: the code from the app.</item>
/// <item><see cref="EnrollmentPageAsync"/> and <see cref="ConfirmEnrollmentAsync"/>: a new
///   authenticator, confirmed with its first code.</item>
/// <item><see cref="StartSessionAsync"/>: both factors proven, the pending login spent; the
///   session starts and the person goes back to the app.</item>
/// </list>
/// Every act on a pending login spends its nonce first (one conditional DELETE: of two racing
/// requests, or a copied cookie, only one acts) and gives it back only when the code was wrong
/// (ASVS 5 7.2.4 / 7.4.1). There is no bypass, no "remember this device", no "later".
/// </remarks>
public sealed class LoginFlow(TotpService totp, SessionService sessions, IdpDbContext db, AuditLog audit, IdpMetrics metrics, TimeProvider time, ChangeNotices notices)
{
    // 1. The first factor.

    /// <summary>
    /// The first factor is proven: the pending login starts, and the person goes on to type a code
    /// (an authenticator is set up), or to set one up (a new one asked for; or, after ID-porten
    /// only, none yet). A password alone never leads to an enrollment: null, the login is refused
    /// (support revokes and issues a new enrollment code).
    /// </summary>
    /// <param name="purpose">A login, or a new authenticator (<see cref="LoginPurpose"/>: after a fresh ID-porten login or an enrollment code).</param>
    /// <param name="returnUrl">The way back after the login, already checked (<see cref="LocalUrl"/>).</param>
    /// <param name="clientId">The research app as /connect/authorize vouched for it (<see cref="LoginApp"/>), for the audit log.</param>
    /// <param name="hasActiveFactor">Whether the person has an active authenticator, when the caller already asked (<see cref="Federation.UserDirectory"/>); null: asked here.</param>
    /// <returns>Where the person goes next, or null when the first factor leads nowhere.</returns>
    public async Task<string?> FirstFactorDoneAsync(HttpContext http, IdpUser user, FirstFactor first, string purpose, string returnUrl, string? clientId, bool? hasActiveFactor = null)
    {
        string next;
        if (purpose == LoginPurpose.Enroll)
        {
            next = AccountPaths.Enroll;
        }
        else if (hasActiveFactor ?? await totp.HasActiveAsync(user.Id, http.RequestAborted))
        {
            next = AccountPaths.Code;
        }
        else if (first.Kind == FirstFactorKind.IdPorten)
        {
            next = AccountPaths.Enroll;
        }
        else
        {
            return null;
        }

        await new PendingLogin(user.Id, purpose, first, returnUrl, clientId).SignInAsync(http, time);
        return next;
    }

    // 2. The code from the app.

    /// <summary>The code page is shown, with the person's notices of change, for a live pending login; otherwise the person goes on (<see cref="NoPendingLogin"/>).</summary>
    public async Task<LoginStep> CodePageAsync(HttpContext http)
    {
        var pending = await PendingLogin.ReadAsync(http);
        var shown = pending is { Purpose: LoginPurpose.Login } ? await notices.UnseenIfLiveAsync(pending.Live(http), http.RequestAborted) : null;
        return shown is null ? new LoginStep.Redirect(NoPendingLogin(http)) : new LoginStep.ShowCodePage(shown);
    }

    /// <summary>A code typed on the code page: the session starts, or the page says why not.</summary>
    /// <param name="noticesShown">The page showed notices of change (<see cref="ChangeNoticesAsync"/>): they are seen once the session starts.</param>
    public async Task<LoginStep> SubmitCodeAsync(HttpContext http, string? code, bool noticesShown = false)
    {
        // Spent before the code is checked: a copy of the cookie, used before or after, is refused.
        var pending = await PendingLogin.ReadAsync(http);
        if (pending is not { Purpose: LoginPurpose.Login } || !await pending.TrySpendAsync(http))
        {
            return new LoginStep.Redirect(NoPendingLogin(http));
        }

        var result = await totp.VerifyForLoginAsync(pending.UserId, code ?? "", http, pending.ClientId);
        if (result == TotpResult.Accepted)
        {
            return await StartSessionAsync(http, pending, noticesShown: noticesShown);
        }

        await pending.RestoreAsync(http);
        // One message for a wrong or reused code; a lockout is said as such, with its end, so a
        // person with a working phone does not retry in vain (the log says which).
        return new LoginStep.CodeRefused(result == TotpResult.LockedOut ? await totp.LockoutAsync(pending.UserId, http.RequestAborted) : null);
    }

    /// <summary>
    /// A code or enrollment page without a live pending login. Someone logged in came back to a
    /// login that is over (the back button): the start page says so; anyone else logs in.
    /// </summary>
    private static string NoPendingLogin(HttpContext http) =>
        IsLoggedIn(http) ? AccountPaths.StartWith(StartNotice.AlreadyLoggedIn) : AccountPaths.Login;

    // 3. A new authenticator.

    /// <summary>
    /// The enrollment page, for a pending login that may set up an authenticator. The same QR code
    /// on every load and in every tab until it is confirmed or expires: a reload (or a phone
    /// reloading the tab while the person is in the app) must not kill the scan.
    /// </summary>
    public async Task<LoginStep> EnrollmentPageAsync(HttpContext http)
    {
        var pending = await MayEnrollAsync(http, await PendingLogin.ReadAsync(http));
        if (pending is null || !await pending.IsLiveAsync(http))
        {
            // Logged in is not enough to change the authenticator: that needs a fresh ID-porten
            // login ("Need a new one-time code?"). Someone logged in came back here after the login.
            return new LoginStep.Redirect(IsLoggedIn(http) ? AccountPaths.StartWith(StartNotice.AlreadyLoggedIn) : AccountPaths.NewCode);
        }

        return await ShowEnrollmentAsync(http, pending, refused: null);
    }

    /// <summary>The first code from the new authenticator: it is confirmed and the session starts, or the page says why not.</summary>
    /// <param name="formValid">Whether the form's antiforgery token was valid.</param>
    public async Task<LoginStep> ConfirmEnrollmentAsync(HttpContext http, bool formValid, Guid factorId, string? code, bool noticesShown = false)
    {
        if (!formValid)
        {
            // The token is bound to who is logged in: a second tab's form, made before the first
            // tab finished the login, no longer matches. Nothing is changed either way; only the
            // answer differs (a forged post from another site gets a redirect to the start page).
            return await LoggedInWithAuthenticatorAsync(http) ? new LoginStep.Redirect(AccountPaths.StartWith(StartNotice.AuthenticatorSetUp)) : LoginStep.BadRequest;
        }

        var read = await PendingLogin.ReadAsync(http);
        if (read is { Purpose: LoginPurpose.Login, First.Kind: FirstFactorKind.IdPorten } && await totp.HasActiveAsync(read.UserId, http.RequestAborted))
        {
            // A tab of a login that had no authenticator, posting after one was set up in another
            // tab or browser: its pending login (if still live) goes on to the code page.
            return await AlreadySetUpAsync(http, read, restore: false);
        }

        // Spent before the authenticator is confirmed: a copy of the cookie confirms nothing else.
        var pending = await MayEnrollAsync(http, read);
        if (pending is null || !await pending.TrySpendAsync(http))
        {
            // Spent by another tab that finished the login with the same cookie, expired, or never
            // there. Someone logged in meanwhile is told the authenticator is set up.
            return new LoginStep.Redirect(await LoggedInWithAuthenticatorAsync(http) ? AccountPaths.StartWith(StartNotice.AuthenticatorSetUp) : AccountPaths.NewCode);
        }

        var replacing = await totp.HasActiveAsync(pending.UserId, http.RequestAborted);
        var result = await totp.ConfirmEnrollmentAsync(pending.UserId, factorId, code ?? "", http, pending.ClientId);
        if (result == TotpResult.Accepted)
        {
            var step = await StartSessionAsync(http, pending, replacing ? StartNotice.AuthenticatorReplaced : null, noticesShown);
            if (replacing)
            {
                // After the session started (which marks the notices this login showed as seen):
                // this one is for the person's next login, and their mailbox now.
                await notices.RecordAsync(pending.UserId, ChangeNoticeKinds.AuthenticatorReplaced, http.RequestAborted);
            }

            return step;
        }

        if (result == TotpResult.AlreadyConfirmed)
        {
            // Another tab (or browser) confirmed it first. The code was not checked against the
            // new authenticator, so no session from here: this login goes on with the code page.
            return await AlreadySetUpAsync(http, pending, restore: true);
        }

        await pending.RestoreAsync(http);
        return await ShowEnrollmentAsync(http, pending, result);
    }

    /// <summary>The pending login (already read from its cookie) if it may set up an authenticator.</summary>
    private async Task<PendingLogin?> MayEnrollAsync(HttpContext http, PendingLogin? pending) =>
        pending switch
        {
            // A fresh ID-porten login (checked at the callback: Federation/FederationEndpoints) or an enrollment code.
            { Purpose: LoginPurpose.Enroll } => pending,
            // A first login with ID-porten. A password alone never leads to an enrollment.
            { Purpose: LoginPurpose.Login, First.Kind: FirstFactorKind.IdPorten } when !await totp.HasActiveAsync(pending.UserId, http.RequestAborted) => pending,
            _ => null,
        };

    private async Task<LoginStep> AlreadySetUpAsync(HttpContext http, PendingLogin pending, bool restore)
    {
        if (pending.Purpose == LoginPurpose.Login)
        {
            if (restore)
            {
                await pending.RestoreAsync(http);
            }

            return new LoginStep.Redirect(AccountPaths.CodeWith(CodePageNotice.AlreadySetUp));
        }

        // Setting up a new one (its own purpose): nothing is left to do; the person logs in as usual.
        await PendingLogin.ClearAsync(http);
        return new LoginStep.Redirect(AccountPaths.StartWith(StartNotice.AuthenticatorSetUp));
    }

    private async Task<LoginStep> ShowEnrollmentAsync(HttpContext http, PendingLogin pending, TotpResult? refused)
    {
        var enrollment = await totp.PendingEnrollmentAsync(pending.UserId, http.RequestAborted);
        var user = await db.Users.FindAsync([pending.UserId], http.RequestAborted);
        // The label tells the person which account this is, without personal data in the phone's list.
        return new LoginStep.ShowEnrollment(user?.UserName ?? pending.UserId, enrollment,
            await totp.HasActiveAsync(pending.UserId, http.RequestAborted), refused);
    }

    private async Task<bool> LoggedInWithAuthenticatorAsync(HttpContext http) =>
        SessionFacts.From(http.User) is { } facts && await totp.HasActiveAsync(facts.UserId, http.RequestAborted);

    // 4. The session.

    /// <summary>
    /// Both factors proven and the pending login spent (<see cref="PendingLogin.TrySpendAsync"/>): the
    /// session starts and the person goes on to the app.
    /// </summary>
    /// <param name="notice">Said on the start page when the login goes back there; an app's way back is left as it is.</param>
    /// <param name="noticesShown">The page the code came from showed notices of change: now they are seen. Else no statement is spent on them.</param>
    private async Task<LoginStep> StartSessionAsync(HttpContext http, PendingLogin pending, string? notice = null, bool noticesShown = false)
    {
        var user = await db.Users.FindAsync([pending.UserId], http.RequestAborted);
        await PendingLogin.ClearAsync(http);
        if (user is null)
        {
            return new LoginStep.Redirect(AccountPaths.Login);
        }

        // RFC 8176: otp (the authenticator) and mfa (more than one factor), and pwd when the first
        // factor was our password. The acr is ID-porten's level, or our own for a password login.
        var (acr, amr) = pending.First.IdPorten is { } upstream
            ? (upstream.Acr, (string[])["otp", "mfa"])
            : (LocalAccountExtensions.Acr, ["pwd", "otp", "mfa"]);
        // Saved by the session's own SaveChanges (the session row, the last login): no round trip of its own.
        // Both factors are proven: the run of wrong codes is over (VerifyForLoginAsync left it to this save).
        totp.ClearFailures(user);
        audit.Add(AuditEventTypes.LoginSucceeded, user.Id, new(http.Connection.RemoteIpAddress), pending.ClientId, reason: acr);
        await sessions.SignInAsync(http, user, pending.First.IdPorten, amr, acr);
        metrics.LoginCompleted(password: pending.First.Kind == FirstFactorKind.Password);
        // The code or enrollment page of this login showed them (ChangeNoticesAsync). A forged flag
        // only hides or keeps the person's own notices; most logins have none and skip the UPDATE.
        if (noticesShown)
        {
            await notices.MarkSeenAsync(user.Id, http.RequestAborted);
        }
        var next = notice is not null && LocalUrl.OrRoot(pending.ReturnUrl) == AccountPaths.Start
            ? AccountPaths.StartWith(notice)
            : LocalUrl.ToLocation(pending.ReturnUrl, http.Request.PathBase);
        return new LoginStep.Redirect(await WelcomeFirstAsync(user, next, http.RequestAborted));
    }

    /// <summary>
    /// The first login of someone support knows by no name goes by the page "What should support call
    /// you?" (skippable, shown once), then on to <paramref name="next"/>.
    /// </summary>
    private async Task<string> WelcomeFirstAsync(IdpUser user, string next, CancellationToken cancellationToken)
    {
        if (user.ProfilePromptedAt is not null || user.DisplayName is not null)
        {
            return next;
        }

        user.ProfilePromptedAt = time.GetUtcNow();
        await db.SaveChangesAsync(cancellationToken);
        return AccountPaths.WelcomeThen(next);
    }

    /// <summary>What the code or enrollment page of a live pending login tells the person about their authenticator (<see cref="ChangeNotices"/>).</summary>
    public async Task<IReadOnlyList<ChangeNotice>> ChangeNoticesAsync(HttpContext http) =>
        await PendingLogin.ReadAsync(http) is { } pending ? await notices.UnseenAsync(pending.UserId, http.RequestAborted) : [];

    // The login page.

    /// <summary>
    /// The login page, shown to someone already logged in (the back button after the code): they
    /// go on to where they were going, never to the form again. Unless the app asked for a new
    /// login (<paramref name="fresh"/>: prompt=login or max_age, OIDC Core 3.1.2.1): going on with
    /// the old session would answer that request with it.
    /// </summary>
    /// <returns>Where a logged-in person goes instead, or null: show the form.</returns>
    public static string? LoginPageRedirect(HttpContext http, string? returnUrl, bool fresh)
    {
        if (fresh || !IsLoggedIn(http))
        {
            return null;
        }

        return LocalUrl.IsLocal(returnUrl) && LocalUrl.OrRoot(returnUrl) != AccountPaths.Start
            ? LocalUrl.ToLocation(returnUrl, http.Request.PathBase)
            : AccountPaths.StartWith(StartNotice.AlreadyLoggedIn);
    }

    /// <summary>An IdP session, as the session cookie's validation left it (the row decides: SessionService.ValidateAsync).</summary>
    private static bool IsLoggedIn(HttpContext http) => SessionFacts.From(http.User) is not null;
}

/// <summary>What a step of the <see cref="LoginFlow"/> leads to; the page shows it.</summary>
public abstract record LoginStep
{
    private LoginStep()
    {
    }

    /// <summary>A form that is not ours: 400, nothing changed.</summary>
    public static LoginStep BadRequest { get; } = new NotOurs();

    /// <summary>Go on to a path on this site (checked).</summary>
    public sealed record Redirect(string Location) : LoginStep;

    /// <summary>The code page, with what was done to the authenticator since the last login (<see cref="ChangeNotices"/>).</summary>
    public sealed record ShowCodePage(IReadOnlyList<ChangeNotice> ChangeNotices) : LoginStep;

    /// <summary>The code page again: the code was refused; <paramref name="Lockout"/> when codes are refused for now.</summary>
    public sealed record CodeRefused(TotpLockout? Lockout) : LoginStep;

    /// <summary>The enrollment page, with the QR code of <paramref name="Enrollment"/>; <paramref name="Refused"/>: why the last code did not confirm it.</summary>
    public sealed record ShowEnrollment(string Account, PendingEnrollment Enrollment, bool Replacing, TotpResult? Refused) : LoginStep;

    private sealed record NotOurs : LoginStep;
}
