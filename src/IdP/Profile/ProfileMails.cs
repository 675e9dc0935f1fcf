using System.Globalization;
using System.Resources;
using System.Text;
using Educloud.Idp.Mail;
using Educloud.Shared.Branding;
using Educloud.Shared.Localization;

namespace Educloud.Idp.Profile;

/// <summary>
/// The texts of the IdP's emails (Resources/Profile/ProfileMails.{nb,nn,en}.resx), times in Oslo time.
/// A confirmation mail is sent during the person's own request and is written in the page's language.
/// A notice of change is written in Bokmål with the English text below it: support's acts happen
/// without the person, and we keep no preferred language (a replaced authenticator's notice too: the
/// one who replaced it may not be the owner the notice warns). A mail carries no code, secret, pid or
/// token, except a confirmation link's own one-time token.
/// </summary>
public static class ProfileMails
{
    // Read with an explicit culture rather than through IStringLocalizer: a notice needs two languages
    // in one mail, and the request's UI culture is not the one to follow there.
    private static readonly ResourceManager Texts = new("Educloud.Idp.Resources.Profile.ProfileMails", typeof(ProfileMails).Assembly);

    public static MailMessage Confirmation(string to, string link, DateTimeOffset expiresAt, string language, BrandingOptions brand) => new(
        to,
        Text("ConfirmSubject", language, brand.ProductName),
        Text("ConfirmBody", language, brand.ProductName, LocalTime.DateAndTime(expiresAt, language), link));

    public static MailMessage Notice(string to, ChangeNotice notice, BrandingOptions brand)
    {
        var revoked = notice.Kind == ChangeNoticeKinds.AuthenticatorRevoked;
        string Subject(string language) => Text(revoked ? "RevokedSubject" : "ReplacedSubject", language, brand.ProductName);
        string Body(string language)
        {
            var body = new StringBuilder()
                .AppendLine(Text(revoked ? "RevokedBody" : "ReplacedBody", language, brand.ProductName, LocalTime.DateAndTime(notice.At, language)))
                .AppendLine()
                .AppendLine(Text("NotYou", language));
            foreach (var (key, value) in new[] { ("SupportEmail", brand.SupportEmail), ("SupportPhone", brand.SupportPhone), ("SupportUrl", brand.SupportUrl) })
            {
                if (!string.IsNullOrWhiteSpace(value))
                {
                    body.AppendLine(Text(key, language, value));
                }
            }

            return body.ToString();
        }

        return new(
            to,
            $"{Subject(Languages.Bokmal)} / {Subject(Languages.English)}",
            $"""
            (English below)

            {Body(Languages.Bokmal)}
            ----

            {Body(Languages.English)}
            """);
    }

    private static string Text(string key, string language, params object[] arguments)
    {
        var text = Texts.GetString(key, CultureInfo.GetCultureInfo(language))
            ?? throw new InvalidOperationException($"Mail text {key} is missing for {language}.");
        return string.Format(CultureInfo.InvariantCulture, text, arguments);
    }
}
