using System.Net;
using Cronium.Runtime.Tests.Infrastructure;
using Cronium.Runtime.Storage;
using Dapper;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Cronium.Runtime.Tests;

/// <summary>A runtime gives back what it took from its database: when it stops, and when a write fails.</summary>
public sealed class StorageLifetimeTests
{
    /// <summary>
    /// SQLite takes one writer at a time (a turn). A write that took its turn and then failed to open its connection
    /// (here a store file that is a folder; in the field, a request cancelled in that gap) kept the turn, and every
    /// write after it waited for good: `cronium run` hung 30 s on completing its execution, then exited 1.
    /// </summary>
    [Fact]
    public async Task AWriteWhoseConnectionFailsToOpenDoesNotHoldUpTheWritesAfterIt()
    {
        var folder = Directory.CreateTempSubdirectory("cronium-turns-");
        try
        {
            var path = Path.Combine(folder.FullName, "runtime.db");
            await using var dialect = new SqliteDialect(path);
            var turns = new WriteTurns();
            File.Delete(path);
            Directory.CreateDirectory(path);
            await using (var failing = new DbScope(dialect, turns))
                await Assert.ThrowsAnyAsync<SqliteException>(() => failing.TransactionAsync((c, tx) => c.ExecuteScalarAsync<long>("SELECT 1", transaction: tx), CancellationToken.None));

            Directory.Delete(path);
            // The bound is for a broken build (a turn never given back waits forever), not a timing.
            using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await using var next = new DbScope(dialect, turns);
            Assert.Equal(1, await next.TransactionAsync((c, tx) => c.ExecuteScalarAsync<long>("SELECT 1", transaction: tx), patience.Token));
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            folder.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task AStoppedRuntimeLeavesNoConnectionToItsDatabaseOpen()
    {
        var postgres = TestServices.NewPostgresDatabase();
        using (var runtime = new RuntimeFactory(Backend.PostgresValkey, postgres: postgres))
        {
            var e = await runtime.CreateExecutionAsync();
            Assert.Equal(HttpStatusCode.OK, (await runtime.Script(e).PutAsync(e.VariablePath("k"), Api.Json(new { value = 1 }))).StatusCode);
            Assert.NotEqual(0, await ConnectionsToAsync(postgres));
        }

        // A backend leaves pg_stat_activity a moment after its client said goodbye; an idle pooled connection left
        // open would stay for Npgsql's idle lifetime (5 minutes). The bound is for a broken test, not a timing.
        var open = await ConnectionsToAsync(postgres);
        for (var deadline = DateTime.UtcNow.AddSeconds(30); open > 0 && DateTime.UtcNow < deadline; open = await ConnectionsToAsync(postgres))
            await Task.Delay(100);
        Assert.Equal(0, open);
    }

    /// <summary>Connections to the database other than this one (not pooled, so it leaves nothing behind either).</summary>
    private static async Task<long> ConnectionsToAsync(string postgres)
    {
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(postgres) { Pooling = false }.ConnectionString);
        await connection.OpenAsync();
        const string sql = "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()";
        return (long)(await new NpgsqlCommand(sql, connection).ExecuteScalarAsync())!;
    }
}
