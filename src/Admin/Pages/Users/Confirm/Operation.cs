namespace Educloud.Idp.Admin.Pages.Users.Confirm;

/// <summary>What support can do to a person, each confirmed on its own page with a reason.</summary>
public sealed record Operation(string Key, string Title, string Explanation, string Button, string Done)
{
    public const string RouteConstraint = "^(revoke-authenticator|end-sessions|unlock|enrollment-code)$";

    public static readonly IReadOnlyDictionary<string, Operation> All = new Dictionary<string, Operation>(StringComparer.Ordinal)
    {
        ["revoke-authenticator"] = new("revoke-authenticator", "Revoke authenticator",
            "Their authenticator stops working at once, every session at the IdP ends, and every app's tokens are revoked. Their next login asks them to set up a new authenticator.",
            "Revoke the authenticator",
            "The authenticator is revoked, their sessions are ended and their tokens revoked. Their next login asks them to set up a new authenticator."),
        ["end-sessions"] = new("end-sessions", "End sessions",
            "Every session at the IdP ends: their next visit to any app asks them to log in again. Their authenticator stays.",
            "End all sessions",
            "Their sessions are ended."),
        ["unlock"] = new("unlock", "Unlock",
            "Clears the wrong-code count and the lockout, so they can type a code again at once.",
            "Unlock",
            "They are unlocked."),
        ["enrollment-code"] = new("enrollment-code", "Issue enrollment code",
            "Makes a single-use code with which this local user sets a password and an authenticator. Any unused code they had stops working. The code is shown once: read it to them or send it by a separate channel.",
            "Issue a code",
            "The enrollment code is issued."),
    };
}
