using System.Net;
using Cronium.Runtime.Tests.Infrastructure;

namespace Cronium.Runtime.Tests;

/// <summary>Two runtime instances on one PostgreSQL and one Valkey/Redis, and a cache that fails.</summary>
public sealed class CacheTests
{
    [Fact]
    public async Task WriteOnOneInstanceIsReadOnTheOtherEvenWithAWarmCache()
    {
        var postgres = TestServices.NewPostgresDatabase();
        using var a = new RuntimeFactory(Backend.PostgresValkey, postgres: postgres);
        using var b = new RuntimeFactory(Backend.PostgresValkey, postgres: postgres);
        var e = await a.CreateExecutionAsync();
        using var onA = a.Script(e);
        using var onB = b.Script(e);

        await onA.PutAsync(e.VariablePath("shared"), Api.Json(new { value = "v1" }));
        var warm = await (await onB.GetAsync(e.VariablePath("shared"))).BodyAsync();
        await onA.PutAsync(e.VariablePath("shared"), Api.Json(new { value = "v2" }));
        var after = await (await onB.GetAsync(e.VariablePath("shared"))).BodyAsync();
        await onA.DeleteAsync(e.VariablePath("shared"));
        var deleted = await onB.GetAsync(e.VariablePath("shared"));

        Assert.Equal("v1", (string)warm["value"]!);
        Assert.Equal(("v2", 2L), ((string)after["value"]!, (long)after["version"]!));
        await deleted.AssertProblemAsync(HttpStatusCode.NotFound, "variable_not_found");
    }

    [Fact]
    public async Task CompletedExecutionsTokenIsRefusedOnBothInstancesWarmCacheOrNot()
    {
        var postgres = TestServices.NewPostgresDatabase();
        using var a = new RuntimeFactory(Backend.PostgresValkey, postgres: postgres);
        using var b = new RuntimeFactory(Backend.PostgresValkey, postgres: postgres);
        var warm = await a.CreateExecutionAsync();
        var cold = await a.CreateExecutionAsync();
        Assert.Equal(HttpStatusCode.OK, (await b.Script(warm).GetAsync($"/v1/executions/{warm.ExecutionId}/input")).StatusCode);

        await a.CompleteAsync(warm);
        await a.CompleteAsync(cold);

        foreach (var instance in new[] { a, b })
        foreach (var e in new[] { warm, cold })
            await (await instance.Script(e).GetAsync($"/v1/executions/{e.ExecutionId}/input")).AssertProblemAsync(HttpStatusCode.Unauthorized, "execution_finished");
    }

    [Fact]
    public async Task WhenValkeyIsDownCallsAreServedFromStorageAndTheLogSaysDegraded()
    {
        using var redis = new PrivateRedis();
        using var runtime = new RuntimeFactory(Backend.PostgresValkey, new Dictionary<string, string?> { ["ConnectionStrings:Valkey"] = redis.ConnectionString });
        var e = await runtime.CreateExecutionAsync(input: new { n = 1 });
        using var client = runtime.Script(e);
        await client.PutAsync(e.VariablePath("k"), Api.Json(new { value = "before" }));
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(e.VariablePath("k"))).StatusCode);

        redis.Stop();
        var write = await client.PutAsync(e.VariablePath("k"), Api.Json(new { value = "during" }));
        var read = await client.GetAsync(e.VariablePath("k"));
        var input = await client.GetAsync($"/v1/executions/{e.ExecutionId}/input");
        var ready = await runtime.Client().GetAsync("/health/ready");

        Assert.Equal(HttpStatusCode.OK, write.StatusCode);
        Assert.Equal("during", (string)(await read.BodyAsync())["value"]!);
        Assert.Equal(HttpStatusCode.OK, input.StatusCode);
        Assert.Equal("Degraded", await ready.Content.ReadAsStringAsync());
        Assert.Contains(runtime.Logs, l => l.Contains("Cache degraded", StringComparison.Ordinal));
    }

    [Fact]
    public async Task WhenValkeyIsFrozenCallsStillAnswerWithinTheCacheTimeout()
    {
        using var redis = new PrivateRedis();
        using var runtime = new RuntimeFactory(Backend.PostgresValkey, new Dictionary<string, string?> { ["ConnectionStrings:Valkey"] = redis.ConnectionString });
        var e = await runtime.CreateExecutionAsync();
        using var client = runtime.Script(e);
        await client.PutAsync(e.VariablePath("k"), Api.Json(new { value = 1 }));

        redis.Freeze();
        try
        {
            var responses = new List<HttpResponseMessage>();
            for (var i = 0; i < 5; i++) responses.Add(await client.PutAsync(e.VariablePath("k"), Api.Json(new { value = i })));
            var read = await client.GetAsync(e.VariablePath("k"));

            Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
            Assert.Equal(4, (int)(await read.BodyAsync())["value"]!);
            // The client's own account of the timeout, not only its type: what was in flight and how busy it was.
            Assert.Contains(runtime.Logs, l => l.Contains("Cache degraded: Valkey did not answer (RedisTimeoutException: Timeout", StringComparison.Ordinal)
                && l.Contains("command=", StringComparison.Ordinal) && l.Contains("WORKER:", StringComparison.Ordinal));
        }
        finally
        {
            redis.Thaw();
        }
    }

    [Fact]
    public async Task AnOrchestratorWriteWaitingOnAFrozenValkeyHoldsNoTransactionOpen()
    {
        var postgres = TestServices.NewPostgresDatabase();
        using var redis = new PrivateRedis();
        using var runtime = new RuntimeFactory(Backend.PostgresValkey, new Dictionary<string, string?>
        {
            ["ConnectionStrings:Valkey"] = redis.ConnectionString,
            // Long enough that a transaction held across the wait would be plain to see.
            ["Runtime:Cache:TimeoutMilliseconds"] = "3000",
        }, postgres: postgres);
        using var client = runtime.Orchestrator();
        Assert.Equal(HttpStatusCode.OK, (await client.PutAsync("/v1/users/u/variables/k", Api.Json(new { value = 0 }))).StatusCode);

        redis.Freeze();
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Put, "/v1/users/u/variables/k") { Content = Api.Json(new { value = 1 }) };
            request.Headers.Add("Idempotency-Key", "frozen-valkey-1");
            var write = client.SendAsync(request);
            var longestIdle = 0.0;
            while (!write.IsCompleted)
            {
                longestIdle = Math.Max(longestIdle, await LongestIdleInTransactionAsync(postgres));
                await Task.WhenAny(write, Task.Delay(50));
            }

            Assert.Equal(HttpStatusCode.OK, (await write).StatusCode);
            Assert.True(longestIdle < 1.5, $"a transaction sat idle for {longestIdle:F2} s while the write waited for Valkey");
        }
        finally
        {
            redis.Thaw();
        }
    }

    /// <summary>Seconds the longest-idle open transaction on this database has waited for its client (0 if none).</summary>
    private static async Task<double> LongestIdleInTransactionAsync(string postgres)
    {
        await using var connection = new Npgsql.NpgsqlConnection(postgres);
        await connection.OpenAsync();
        const string sql = """
            SELECT COALESCE(MAX(EXTRACT(EPOCH FROM clock_timestamp() - state_change)), 0)::float8 FROM pg_stat_activity
            WHERE datname = current_database() AND state = 'idle in transaction' AND pid <> pg_backend_pid()
            """;
        return (double)(await new Npgsql.NpgsqlCommand(sql, connection).ExecuteScalarAsync())!;
    }

    [Fact]
    public async Task AWriteTheCacheMissedIsNeverReadBackOlderEvenWhenTheOldEntryComesBack()
    {
        using var world = await OldEntryCached.StartAsync();
        var (writer, reader, e) = (world.Writer, world.Reader, world.Execution);

        // Valkey restarts empty while the writer writes; then the old entry comes back (a replay, a persisted copy,
        // a server that was only frozen): before, readers served it until the writer's replay caught up.
        world.Redis.Stop();
        var written = await writer.Script(e).PutAsync(e.VariablePath("k"), Api.Json(new { value = "new" }));
        world.Redis.Start();
        await world.PutTheOldEntryBackAsync();
        var read = await (await reader.Script(e).GetAsync(e.VariablePath("k"))).BodyAsync();

        Assert.Equal(HttpStatusCode.OK, written.StatusCode);
        Assert.Equal(("new", 2), ((string)read["value"]!, (int)read["version"]!));
    }

    [Fact]
    public async Task CompletionWaitsForTheSharedCacheSoNoInstanceCanStillAcceptTheToken()
    {
        using var redis = new PrivateRedis();
        using var runtime = new RuntimeFactory(Backend.PostgresValkey, new Dictionary<string, string?> { ["ConnectionStrings:Valkey"] = redis.ConnectionString });
        var e = await runtime.CreateExecutionAsync();
        Assert.Equal(HttpStatusCode.OK, (await runtime.Script(e).GetAsync($"/v1/executions/{e.ExecutionId}/input")).StatusCode);

        redis.Stop();
        var refused = await runtime.Orchestrator().PostAsync($"/v1/executions/{e.ExecutionId}/complete", Api.Json(new { status = "succeeded" }));
        redis.Start();
        HttpResponseMessage retried = refused;
        for (var i = 0; i < 30 && retried.StatusCode != HttpStatusCode.OK; i++)
        {
            await Task.Delay(200);
            retried = await runtime.Orchestrator().PostAsync($"/v1/executions/{e.ExecutionId}/complete", Api.Json(new { status = "succeeded" }));
        }

        var problem = await refused.AssertProblemAsync(HttpStatusCode.ServiceUnavailable, "storage_unavailable");
        Assert.True(refused.Headers.RetryAfter is not null);
        Assert.Equal(HttpStatusCode.OK, retried.StatusCode);
        await (await runtime.Script(e).GetAsync($"/v1/executions/{e.ExecutionId}/input")).AssertProblemAsync(HttpStatusCode.Unauthorized, "execution_finished");
        Assert.NotNull(problem["retryAfter"]);
    }

    [Fact]
    public async Task ACompletionRetriedWithAnotherStatusAfterTheCacheMissedTheRevocationStillRevokesIt()
    {
        using var redis = new PrivateRedis();
        using var runtime = new RuntimeFactory(Backend.PostgresValkey, new Dictionary<string, string?> { ["ConnectionStrings:Valkey"] = redis.ConnectionString });
        var e = await runtime.CreateExecutionAsync();
        redis.Stop();
        var refused = await runtime.Orchestrator().PostAsync($"/v1/executions/{e.ExecutionId}/complete", Api.Json(new { status = "succeeded" }));
        redis.Start();
        // What a Valkey that was only out of reach (not restarted) still holds for the execution.
        await using var direct = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync(redis.ConnectionString);
        var state = Cronium.Runtime.Caching.CacheKeys.ExecutionState(e.ExecutionId);
        await direct.GetDatabase().StringSetAsync(state, "running");

        // Another status this time; retried while the runtime's connection to Valkey comes back (503, as the first).
        var conflict = await runtime.Orchestrator().PostAsync($"/v1/executions/{e.ExecutionId}/complete", Api.Json(new { status = "failed" }));
        for (var i = 0; i < 30 && conflict.StatusCode == HttpStatusCode.ServiceUnavailable; i++)
        {
            await Task.Delay(200);
            conflict = await runtime.Orchestrator().PostAsync($"/v1/executions/{e.ExecutionId}/complete", Api.Json(new { status = "failed" }));
        }

        await refused.AssertProblemAsync(HttpStatusCode.ServiceUnavailable, "storage_unavailable");
        await conflict.AssertProblemAsync(HttpStatusCode.Conflict, "execution_finished");
        Assert.Equal("succeeded", (string?)await direct.GetDatabase().StringGetAsync(state));
    }

    [Fact]
    public async Task AValkeyThatLostItsScriptsStillAnswersTheNextCallFromTheCache()
    {
        // Scripts go by their SHA1; a Valkey that lost them (a restart, SCRIPT FLUSH) answers NOSCRIPT, and the call
        // must then send the script itself rather than count as a cache failure and read through to storage.
        using var redis = new PrivateRedis();
        using var runtime = new RuntimeFactory(Backend.PostgresValkey, new Dictionary<string, string?> { ["ConnectionStrings:Valkey"] = redis.ConnectionString });
        var e = await runtime.CreateExecutionAsync();
        using var client = runtime.Script(e);
        await client.PutAsync(e.VariablePath("kept"), Api.Json(new { value = "v1" }));
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(e.VariablePath("kept"))).StatusCode);
        await using var direct = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync(redis.ConnectionString + ",allowAdmin=true");
        var server = direct.GetServer(direct.GetEndPoints()[0]);
        await server.ScriptFlushAsync();
        var flushed = await CachedScriptsAsync(server);

        var read = await client.GetAsync(e.VariablePath("kept"));

        Assert.Equal(0, flushed);
        Assert.Equal("v1", (string)(await read.BodyAsync())["value"]!);
        // Only a call that sent its script again leaves it in Valkey; one that gave up on the cache sends nothing more.
        Assert.True(await CachedScriptsAsync(server) >= 1);
    }

    private static async Task<int> CachedScriptsAsync(StackExchange.Redis.IServer server) =>
        int.Parse((await server.InfoAsync("memory")).SelectMany(g => g).Single(p => p.Key == "number_of_cached_scripts").Value, System.Globalization.CultureInfo.InvariantCulture);
}
