using Educloud.Idp.Connect;
using Educloud.Idp.Data;
using Microsoft.AspNetCore.Identity;

namespace Educloud.Idp.Admin;

/// <summary>
/// <c>Educloud.Idp grant-role &lt;username-or-user-id&gt; &lt;admin|support&gt;</c>: gives a person an
/// admin API role from the command line, so the first admin needs no UI. Audited like an API call.
/// </summary>
public static partial class GrantRoleCommand
{
    public const string Name = "grant-role";

    /// <summary>Runs the command when the arguments ask for it; returns whether it did.</summary>
    public static Task<bool> TryRunAsync(WebApplication app, string[] args) =>
        AdminCommand.TryRunAsync(app, args, Name, argumentCount: 2, $"<username-or-user-id> <{string.Join('|', AdminRoles.All)}>",
            (services, arguments) => GrantAsync(services, arguments[0], arguments[1]));

    public static async Task<(bool Ok, string Message)> GrantAsync(IServiceProvider services, string who, string role)
    {
        if (!AdminRoles.All.Contains(role, StringComparer.Ordinal))
        {
            return (false, $"Unknown role '{role}' (known: {string.Join(", ", AdminRoles.All)}).");
        }

        var users = services.GetRequiredService<UserManager<IdpUser>>();
        var roles = services.GetRequiredService<RoleManager<IdentityRole>>();
        var user = await users.FindByNameAsync(who) ?? await users.FindByIdAsync(who);
        if (user is null)
        {
            return (false, $"No user with username or id '{who}'.");
        }

        if (!await roles.RoleExistsAsync(role))
        {
            var created = await roles.CreateAsync(new IdentityRole(role));
            if (!created.Succeeded)
            {
                return (false, "Could not create the role: " + string.Join("; ", created.Errors.Select(e => e.Description)));
            }
        }

        if (await users.IsInRoleAsync(user, role))
        {
            return (true, $"User {user.Id} already has the role '{role}'.");
        }

        var result = await users.AddToRoleAsync(user, role);
        if (!result.Succeeded)
        {
            return (false, "Could not grant the role: " + string.Join("; ", result.Errors.Select(e => e.Description)));
        }

        await services.GetRequiredService<AuditLog>().WriteAsync(AuditEventTypes.RoleGranted, user.Id, AuditSource.CommandLine, reason: role);
        LogGranted(services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(GrantRoleCommand)), user.Id, role);
        return (true, $"Granted '{role}' to user {user.Id}.");
    }

    [LoggerMessage(EventId = 6010, Level = LogLevel.Warning, Message = "Role {Role} granted to user {UserId} from the command line")]
    private static partial void LogGranted(ILogger logger, string userId, string role);
}
