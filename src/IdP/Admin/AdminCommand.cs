namespace Educloud.Idp.Admin;

/// <summary>
/// The IdP's one-shot commands (<c>grant-role</c>, <c>end-all-sessions</c>): they run with the
/// IdP's own settings and database, print one line, and exit 0 (done), 1 (refused) or 2 (wrong usage).
/// </summary>
internal static class AdminCommand
{
    /// <summary>Runs the command <paramref name="name"/> when the arguments ask for it; returns whether it did.</summary>
    public static async Task<bool> TryRunAsync(
        WebApplication app, string[] args, string name, int argumentCount, string usage,
        Func<IServiceProvider, string[], Task<(bool Ok, string Message)>> run)
    {
        var index = Array.IndexOf(args, name);
        if (index < 0)
        {
            return false;
        }

        var arguments = args[(index + 1)..].Take(argumentCount).ToArray();
        if (arguments.Length < argumentCount)
        {
            await Console.Error.WriteLineAsync($"Usage: Educloud.Idp {name} {usage}");
            Environment.ExitCode = 2;
            return true;
        }

        await using var scope = app.Services.CreateAsyncScope();
        var (ok, message) = await run(scope.ServiceProvider, arguments);
        await (ok ? Console.Out : Console.Error).WriteLineAsync(message);
        Environment.ExitCode = ok ? 0 : 1;
        return true;
    }
}
