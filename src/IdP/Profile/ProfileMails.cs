using System.Globalization;
using Educloud.Idp.Mail;

namespace Educloud.Idp.Profile;

/// <summary>
/// The texts of the IdP's emails, in one place (English for now; issue 13 localizes them with the
/// pages). A mail carries no code, secret, pid or token, except a confirmation link's own one-time token.
/// </summary>
public static class ProfileMails
{
    public static MailMessage Confirmation(string to, string link, DateTimeOffset expiresAt) => new(
        to,
        "Confirm your email address for Educloud Research",
        $"""
        Someone (we hope you) gave this address for their Educloud Research login.

        To confirm it, open this link before {Shown(expiresAt)} and press Confirm:

        {link}

        Educloud Research will then use this address to tell you when your authenticator changes.
        If this was not you, ignore this email: the address is not used unless confirmed.
        """);

    public static MailMessage Notice(string to, ChangeNotice notice) => new(
        to,
        notice.Kind == ChangeNoticeKinds.AuthenticatorRevoked
            ? "Your Educloud Research authenticator was revoked"
            : "Your Educloud Research authenticator was replaced",
        notice.Kind == ChangeNoticeKinds.AuthenticatorRevoked
            ? $"""
              Your authenticator for Educloud Research was revoked by support on {Shown(notice.At)}.
              Your sessions were ended; at your next login you set up your authenticator app again.

              If this was not you, contact Educloud Research support.
              """
            : $"""
              A new authenticator was set up for your Educloud Research login on {Shown(notice.At)},
              after a login with ID-porten. Codes from the old one no longer work.

              If this was not you, contact Educloud Research support.
              """);

    private static string Shown(DateTimeOffset at) => at.ToUniversalTime().ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture);
}
