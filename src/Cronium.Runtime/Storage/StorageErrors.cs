using System.Net.Sockets;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Cronium.Runtime.Storage;

internal static class StorageErrors
{
    /// <summary>Errors that mean "storage did not answer" (503, retry), as opposed to a bug (500).</summary>
    public static bool IsUnavailable(Exception exception) => exception switch
    {
        NpgsqlException { IsTransient: true } => true,
        NpgsqlException { InnerException: SocketException or IOException or TimeoutException } => true,
        PostgresException { SqlState: "57P01" or "57P02" or "57P03" or "53300" } => true, // shutdown, too many connections
        SqliteException { SqliteErrorCode: 5 or 6 } => true, // SQLITE_BUSY, SQLITE_LOCKED
        TimeoutException => true,
        _ => exception.InnerException is { } inner && IsUnavailable(inner),
    };
}
