namespace Educloud.Idp.Admin.Pages.Users.Confirm;

/// <summary>What support can do to a person, each confirmed on its own page with a reason; the page says it in words (by <see cref="Key"/>).</summary>
public sealed record Operation(string Key)
{
    public const string RouteConstraint = "^(revoke-authenticator|end-sessions|unlock|enrollment-code)$";

    public static readonly IReadOnlyDictionary<string, Operation> All = new Dictionary<string, Operation>(StringComparer.Ordinal)
    {
        ["revoke-authenticator"] = new("revoke-authenticator"),
        ["end-sessions"] = new("end-sessions"),
        ["unlock"] = new("unlock"),
        ["enrollment-code"] = new("enrollment-code"),
    };
}
