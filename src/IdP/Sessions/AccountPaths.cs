namespace Educloud.Idp.Sessions;

/// <summary>
/// The addresses of the pages a login goes through, as <c>ConnectPaths</c> names the protocol's.
/// Each page's <c>@page</c> directive says the same (Razor needs a literal there);
/// <c>AccountPathsTests</c> checks that every one of these answers.
/// </summary>
public static class AccountPaths
{
    public const string Start = "/";

    /// <summary>The person's own page: the authenticator, the sessions, the audit trail.</summary>
    public const string Account = "/account";
    public const string Login = "/account/login";
    public const string Code = "/account/code";
    public const string Enroll = "/account/enroll";
    public const string EnrollWithCode = "/account/enroll-with-code";
    public const string NewCode = "/account/new-code";
    public const string Logout = "/account/logout";
    public const string NotRegistered = "/account/not-registered";
    public const string InsufficientLevel = "/account/insufficient-level";
    public const string ForeignEid = "/account/foreign-eid";
    public const string Error = "/error";

    /// <summary>The first login's "What should support call you?" (Profile/).</summary>
    public const string Welcome = "/account/welcome";

    /// <summary>The person's name and email address.</summary>
    public const string Profile = "/account/profile";

    /// <summary>Where the link in an address confirmation mail leads (with <c>?token=</c>).</summary>
    public const string ConfirmEmail = "/account/confirm-email";

    /// <summary>The error page for a login that failed (one generic message; the log says why).</summary>
    public const string LoginError = Error + "?reason=login";

    /// <summary>The query parameter of the login page that carries the way back.</summary>
    public const string ReturnUrlParameter = "returnUrl";

    /// <summary>The start page saying <paramref name="notice"/> (one of <see cref="StartNotice"/>).</summary>
    public static string StartWith(string notice) => Start + "?notice=" + notice;

    /// <summary>The first-login page, then on to <paramref name="next"/> (a local path, checked again by the page).</summary>
    public static string WelcomeThen(string next) => Welcome + "?" + ReturnUrlParameter + "=" + Uri.EscapeDataString(next);

    /// <summary>The code page saying <paramref name="notice"/> (one of <see cref="CodePageNotice"/>).</summary>
    public static string CodeWith(string notice) => Code + "?notice=" + notice;
}

/// <summary>What the start page can say after a login (the <c>notice</c> query parameter: only these values show anything).</summary>
public static class StartNotice
{
    /// <summary>A new authenticator replaced the old one.</summary>
    public const string AuthenticatorReplaced = "authenticator-replaced";

    /// <summary>A tab posted to an enrollment that another tab had confirmed.</summary>
    public const string AuthenticatorSetUp = "authenticator-set-up";

    /// <summary>A page of a login that is over (the back button to the code or enrollment page, or the login page), shown to someone logged in.</summary>
    public const string AlreadyLoggedIn = "already-logged-in";

    public static bool IsKnown(string? notice) => notice is AuthenticatorReplaced or AuthenticatorSetUp or AlreadyLoggedIn;
}

/// <summary>What the code page can say.</summary>
public static class CodePageNotice
{
    /// <summary>The enrollment page sends a tab here whose authenticator was set up in another tab.</summary>
    public const string AlreadySetUp = "already-set-up";
}
