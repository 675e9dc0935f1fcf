using Educloud.Idp.Data;

namespace Educloud.Idp.LocalAccounts;

/// <summary>
/// The first factor of people without ID-porten: username and password. A correct password is only
/// the first factor (the login goes on in Sessions/LoginFlow); one message to the person for every
/// failure, the log says which. Wrong passwords slow down the address that sends them
/// (<see cref="PasswordThrottle"/>), never lock the account.
/// </summary>
public sealed partial class PasswordLogin(PasswordCheck check, PasswordThrottle throttle, AuditLog audit, ILogger<PasswordLogin> logger)
{
    /// <returns>The person if the password is theirs; else how long this address must wait (HTTP 429), or neither (refused).</returns>
    public async Task<(IdpUser? User, TimeSpan? Wait)> CheckAsync(HttpContext http, string? username, string? password)
    {
        if (string.IsNullOrWhiteSpace(username) || username.Length > FieldLimits.UserName || string.IsNullOrEmpty(password) || password.Length > FieldLimits.Password)
        {
            LogPasswordFailed(logger, "incomplete form");
            return (null, null);
        }

        var name = username.Trim();
        var address = http.Connection.RemoteIpAddress;
        if (throttle.WaitFor(name, address) is { } wait)
        {
            LogPasswordFailed(logger, "too many wrong passwords from this address");
            return (null, wait);
        }

        // The same hashing work for every username (known, unknown, from ID-porten).
        var (user, localUserId) = await check.CheckAsync(name, password);
        if (user is null)
        {
            throttle.Failed(name, address);
            LogPasswordFailed(logger, localUserId is null ? "unknown user" : "wrong password");
            if (localUserId is not null)
            {
                await audit.WriteAsync(AuditEventTypes.PasswordFailed, localUserId, new(http.Connection.RemoteIpAddress), reason: "wrong password", cancellationToken: http.RequestAborted);
            }

            return (null, null);
        }

        throttle.Succeeded(name, address);
        return (user, null);
    }

    /// <summary>A right password of someone without an authenticator: it leads nowhere (support revokes and issues a new enrollment code).</summary>
    public void NoAuthenticator() => LogPasswordFailed(logger, "no authenticator");

    [LoggerMessage(EventId = 6101, Level = LogLevel.Information, Message = "Password login refused: {Why}")]
    private static partial void LogPasswordFailed(ILogger logger, string why);
}
