using System.Net;
using Cronium.Runtime.Tests.Infrastructure;
using Npgsql;

namespace Cronium.Runtime.Tests;

/// <summary>
/// Two faults in a row: a write commits while Valkey is gone, and storage fails before the epoch can move on. The
/// write answers 503 and its retry is a replay; the older entry must not be read back after the replay says "done".
/// </summary>
public sealed class DoubleFaultTests
{
    // The epoch bump fails as it would with storage gone (57P03 is "cannot connect now": 503, retry).
    private const string RefuseBumpSql = """
        CREATE FUNCTION refuse_bump() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN RAISE EXCEPTION 'storage gone' USING ERRCODE = '57P03'; END $$;
        CREATE TRIGGER refuse_bump BEFORE UPDATE ON cache_epoch FOR EACH ROW EXECUTE FUNCTION refuse_bump();
        """;

    [Theory]
    [InlineData("PUT")]
    [InlineData("DELETE")]
    public async Task AReplayedWriteWhoseCacheStepFailedWithStorageIsNotReadBackOlder(string method)
    {
        using var world = await OldEntryCached.StartAsync();
        var (writer, reader, e) = (world.Writer, world.Reader, world.Execution);

        await ExecuteAsync(world.Postgres, RefuseBumpSql);
        world.Redis.Stop();
        var first = await writer.Script(e).SendAsync(Write(method, e, "w-1"));
        world.Redis.Start();
        // Valkey comes back with the old entry (a server that was only frozen, or unreachable from this instance).
        await world.PutTheOldEntryBackAsync();
        await ExecuteAsync(world.Postgres, "DROP TRIGGER refuse_bump ON cache_epoch");
        var replay = await writer.Script(e).SendAsync(Write(method, e, "w-1"));
        var read = await reader.Script(e).GetAsync(e.VariablePath("k"));

        await first.AssertProblemAsync(HttpStatusCode.ServiceUnavailable, "storage_unavailable");
        Assert.True(replay.IsSuccessStatusCode, $"the replay answered {replay.StatusCode}");
        Assert.Equal("true", replay.Headers.GetValues("Idempotent-Replayed").Single());
        if (method == "PUT")
            Assert.Equal("new", (string)(await read.BodyAsync())["value"]!);
        else
            await read.AssertProblemAsync(HttpStatusCode.NotFound, "variable_not_found");
    }

    private static HttpRequestMessage Write(string method, Execution e, string key)
    {
        var request = method == "PUT"
            ? new HttpRequestMessage(HttpMethod.Put, e.VariablePath("k")) { Content = Api.Json(new { value = "new" }) }
            : new HttpRequestMessage(HttpMethod.Delete, e.VariablePath("k"));
        request.Headers.Add("Idempotency-Key", key);
        return request;
    }

    private static async Task ExecuteAsync(string postgres, string sql)
    {
        await using var connection = new NpgsqlConnection(postgres);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
