using Educloud.Idp.Data;
using Educloud.Idp.Sessions;

namespace Educloud.Idp.Admin;

/// <summary>
/// <c>Educloud.Idp end-all-sessions "&lt;reason&gt;"</c>: the incident runbook's "revoke everyone's
/// sessions" (deploy/README.md). Everyone logs in again; every refresh token, and every access
/// token an API checks against the IdP, stops at once on every replica. Audited with its reason.
/// </summary>
public static partial class EndAllSessionsCommand
{
    public const string Name = "end-all-sessions";

    /// <summary>Runs the command when the arguments ask for it; returns whether it did.</summary>
    public static Task<bool> TryRunAsync(WebApplication app, string[] args) =>
        AdminCommand.TryRunAsync(app, args, Name, argumentCount: 1, $"\"<reason, 1 to {FieldLimits.Reason} characters, kept in the audit log>\"",
            (services, arguments) => EndAllAsync(services, arguments[0], CancellationToken.None));

    public static async Task<(bool Ok, string Message)> EndAllAsync(IServiceProvider services, string reason, CancellationToken cancellationToken)
    {
        reason = reason.Trim();
        if (reason.Length is 0 or > FieldLimits.Reason)
        {
            return (false, $"A reason of 1 to {FieldLimits.Reason} characters is required (it is kept in the audit log).");
        }

        var (sessions, authorizations, tokens) = await services.GetRequiredService<EverySession>().EndEveryoneAsync(cancellationToken);
        await services.GetRequiredService<AuditLog>().WriteAsync(AuditEventTypes.AllSessionsEnded, userId: null, AuditSource.CommandLine, reason: reason, cancellationToken: cancellationToken);
        LogEndedAll(services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(EndAllSessionsCommand)), sessions, authorizations, tokens);
        return (true, $"Ended {sessions} session(s); revoked {authorizations} authorization(s) and {tokens} token(s).");
    }

    [LoggerMessage(EventId = 6011, Level = LogLevel.Warning, Message = "Everyone's sessions ended from the command line: {Sessions} sessions, {Authorizations} authorizations, {Tokens} tokens")]
    private static partial void LogEndedAll(ILogger logger, int sessions, int authorizations, int tokens);
}
