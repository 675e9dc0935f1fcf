using Educloud.Idp.Data;

namespace Educloud.Idp.Federation;

/// <summary>
/// A login at ID-porten by someone without a Norwegian national identity number: a person with
/// another EU/EEA country's eID (eIDAS, acr eidas-loa-*), whose id_token carries no pid. Accounts
/// here are keyed by pid, so such a login is not linked to anyone (docs/decisions.md "Issue 11":
/// not now); the person is told to ask support for an enrollment code, and the event is audited.
/// </summary>
public static class ForeignEid
{
    /// <summary>ID-porten's levels for eIDAS logins start with this.</summary>
    public const string EidasPrefix = "eidas-";

    /// <summary>A login with no (well-formed) pid, or at an eIDAS level: never one of our accounts.</summary>
    public static bool IsForeign(string? acr, string? pid) =>
        !PidProtector.IsWellFormed(pid) || acr?.StartsWith(EidasPrefix, StringComparison.Ordinal) == true;

    /// <summary>The acr for the log and the audit row: a known form only (it comes from ID-porten's signed token, but is not ours).</summary>
    public static string AcrForLog(string? acr) =>
        acr is { Length: <= 40 } && acr.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_') ? acr : "none";

    public static Task AuditAsync(HttpContext http, string? acr, string? clientId) =>
        http.RequestServices.GetRequiredService<AuditLog>().WriteAsync(AuditEventTypes.ForeignEidRefused, userId: null,
            new AuditSource(http.Connection.RemoteIpAddress), clientId,
            reason: "ID-porten login without a Norwegian national identity number (acr " + AcrForLog(acr) + ")",
            cancellationToken: http.RequestAborted);
}
