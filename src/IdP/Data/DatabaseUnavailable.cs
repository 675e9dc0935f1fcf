using System.Data.Common;
using System.Net.Sockets;

namespace Educloud.Idp.Data;

/// <summary>
/// Whether an exception means that the database cannot be reached right now (server stopped,
/// restarting, failing over, network), as opposed to a fault in the IdP. The first is a 503 with
/// "try again in a few minutes" (RFC 9110 15.6.4), which every replica gives alike and which ends
/// by itself when the database is back; the second stays a 500.
/// </summary>
public static class DatabaseUnavailable
{
    public static bool Is(Exception? exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            // Npgsql marks failures to connect, broken connections and timeouts transient;
            // a constraint violation or a bad statement is not.
            if (e is DbException db && (db.IsTransient || db.InnerException is SocketException or IOException or TimeoutException))
            {
                return true;
            }
        }

        return false;
    }
}
