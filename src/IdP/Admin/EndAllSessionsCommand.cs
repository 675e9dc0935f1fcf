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
    public static async Task<bool> TryRunAsync(WebApplication app, string[] args)
    {
        var index = Array.IndexOf(args, Name);
        if (index < 0)
        {
            return false;
        }

        var reason = index + 1 < args.Length ? args[index + 1].Trim() : "";
        if (reason.Length is 0 or > FieldLimits.Reason)
        {
            await Console.Error.WriteLineAsync($"Usage: Educloud.Idp {Name} \"<reason, 1 to {FieldLimits.Reason} characters, kept in the audit log>\"");
            Environment.ExitCode = 2;
            return true;
        }

        await using var scope = app.Services.CreateAsyncScope();
        var message = await EndAllAsync(scope.ServiceProvider, reason, CancellationToken.None);
        await Console.Out.WriteLineAsync(message);
        return true;
    }

    public static async Task<string> EndAllAsync(IServiceProvider services, string reason, CancellationToken cancellationToken)
    {
        var (sessions, authorizations, tokens) = await services.GetRequiredService<EverySession>().EndEveryoneAsync(cancellationToken);
        await services.GetRequiredService<AuditLog>().WriteAsync(AuditEventTypes.AllSessionsEnded, userId: null, AuditSource.CommandLine, reason: reason, cancellationToken: cancellationToken);
        LogEndedAll(services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(EndAllSessionsCommand)), sessions, authorizations, tokens);
        return $"Ended {sessions} session(s); revoked {authorizations} authorization(s) and {tokens} token(s).";
    }

    [LoggerMessage(EventId = 6011, Level = LogLevel.Warning, Message = "Everyone's sessions ended from the command line: {Sessions} sessions, {Authorizations} authorizations, {Tokens} tokens")]
    private static partial void LogEndedAll(ILogger logger, int sessions, int authorizations, int tokens);
}
