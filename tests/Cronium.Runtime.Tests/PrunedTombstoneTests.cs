using System.Net;
using Cronium.Runtime.Tests.Infrastructure;

namespace Cronium.Runtime.Tests;

/// <summary>
/// A variable deleted, its tombstone pruned by maintenance a day later while the cache still holds it, and the
/// variable made again: the new variable must win over the cached tombstone (its version has to be higher).
/// </summary>
public sealed class PrunedTombstoneTests
{
    [Fact]
    public async Task AVariableMadeAgainAfterItsTombstoneWasPrunedIsReadBackThoughTheCacheStillHeldTheTombstone()
    {
        using var runtime = new RuntimeFactory(Backend.PostgresValkey);
        var e = await runtime.CreateExecutionAsync();
        using var client = runtime.Script(e);
        var path = e.VariablePath("again");
        await client.PutAsync(path, Api.Json(new { value = "first" }));
        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync(path)).StatusCode);
        await (await client.GetAsync(path)).AssertProblemAsync(HttpStatusCode.NotFound, "variable_not_found");

        await runtime.PruneAsOfAsync(TimeSpan.FromDays(2));
        var made = await client.PutAsync(path, Api.Json(new { value = "second" }));
        var read = await client.GetAsync(path);

        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        Assert.Equal("second", (string)(await read.BodyAsync())["value"]!);
        Assert.Equal(3L, (long)(await made.BodyAsync())["version"]!);
    }
}
