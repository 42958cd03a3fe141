using System.Net;
using Cronium.Runtime.Tests.Infrastructure;
using Npgsql;

namespace Cronium.Runtime.Tests;

/// <summary>A runtime gives back what it took from PostgreSQL when it stops.</summary>
public sealed class StorageLifetimeTests
{
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
