using System.Net;
using Cronium.Runtime.Auth;
using Cronium.Runtime.Caching;
using Cronium.Runtime.Storage;
using Cronium.Runtime.Tests.Infrastructure;
using Cronium.Runtime.Variables;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using StackExchange.Redis;

namespace Cronium.Runtime.Tests;

/// <summary>
/// A fill that lands after the cache was emptied (FLUSHALL, a restart with no persistence): a reader's or writer's
/// entry sent late, older than a write acknowledged meanwhile, must not be served. Each test takes the cache's
/// generation as a call would at its start, empties a private Redis, then makes the late fill, and checks it is
/// refused. Before the generation existed every one of these fills landed (reads then answered the older value).
/// </summary>
public sealed class CacheGenerationTests
{
    [Fact]
    public async Task AReadersFillOfAValueOlderThanAnAcknowledgedWriteIsRefusedOnceTheCacheWasFlushedSinceTheReadBegan()
    {
        await using var world = await World.StartAsync();
        await world.Client.PutAsync(world.Execution.VariablePath("k"), Api.Json(new { value = "v1" }));
        // The slow reader's start: it saw this generation, then read v1 from storage, and its fill is still on its way.
        var seen = await world.GenerationAsync();
        var epoch = world.Epoch;
        Assert.Equal(HttpStatusCode.OK, (await world.Client.PutAsync(world.Execution.VariablePath("k"), Api.Json(new { value = "v2" }))).StatusCode);
        await world.FlushAsync();

        var late = await world.Cache.SetVariableIfNewerAsync(world.Key("k"), seen, epoch, 1, VariableEntry.Format(epoch, 1, 0, "\"v1\""));

        Assert.False(late);
        Assert.False(await world.Redis.KeyExistsAsync(world.Key("k")));
        Assert.Equal("v2", (string)(await (await world.Client.GetAsync(world.Execution.VariablePath("k"))).BodyAsync())["value"]!);
    }

    [Fact]
    public async Task AGetVariableThatBeganBeforeTheCacheWasFlushedReadsStorageButDoesNotFillTheEmptiedCache()
    {
        await using var world = await World.StartAsync();
        await world.Client.PutAsync(world.Execution.VariablePath("k"), Api.Json(new { value = "v1" }));
        var seen = await world.GenerationAsync();
        await world.FlushAsync();

        await using var scope = world.Runtime.Services.CreateAsyncScope();
        var value = await scope.ServiceProvider.GetRequiredService<VariableService>()
            .GetAsync(world.Execution.UserId, "k", new CallLookup(null, 0, 1, seen, RedisValue.Null), CancellationToken.None);

        Assert.Equal("\"v1\"", value!.Value.Text);
        Assert.False(await world.Redis.KeyExistsAsync(world.Key("k")));
        // A call that begins after the flush fills it again.
        await world.Client.GetAsync(world.Execution.VariablePath("k"));
        Assert.True(await world.Redis.KeyExistsAsync(world.Key("k")));
    }

    [Fact]
    public async Task ASetVariableThatBeganBeforeTheCacheWasFlushedMovesTheEpochOnInsteadOfFillingIt()
    {
        await using var world = await World.StartAsync();
        var seen = await world.GenerationAsync();
        var before = await world.StoredEpochAsync();
        await world.FlushAsync();

        await using var scope = world.Runtime.Services.CreateAsyncScope();
        var write = await scope.ServiceProvider.GetRequiredService<VariableService>()
            .SetAsync(world.Execution.UserId, "k", "\"v1\"", null, seen, CancellationToken.None);

        Assert.True(write.Written);
        Assert.False(await world.Redis.KeyExistsAsync(world.Key("k")));
        Assert.Equal(before + 1, await world.StoredEpochAsync());
    }

    [Fact]
    public async Task ARunningStateReadBeforeARevocationAndAFlushCannotLandAfterThemAndLetTheTokenIn()
    {
        await using var world = await World.StartAsync();
        var seen = await world.GenerationAsync();
        await world.Runtime.CompleteAsync(world.Execution);
        await world.FlushAsync();

        var late = await world.Cache.FillAsync(CacheKeys.ExecutionState(world.Execution.ExecutionId), "running", TimeSpan.FromMinutes(5), seen, onlyIfAbsent: true);

        Assert.False(late);
        await (await world.Client.GetAsync($"/v1/executions/{world.Execution.ExecutionId}/input")).AssertProblemAsync(HttpStatusCode.Unauthorized, "execution_finished");
    }

    [Fact]
    public async Task AWriteWhoseCallerWentAwayBeforeItsCommitStillUpdatesTheCacheSoItsReplayIsNotOverAnOlderEntry()
    {
        await using var world = await World.StartAsync();
        await world.Client.PutAsync(world.Execution.VariablePath("k"), Api.Json(new { value = "v1" }));
        await world.Client.GetAsync(world.Execution.VariablePath("k")); // v1 in the cache

        // As the route does: the cache's generation first, then the write and its idempotency record in one
        // transaction, the cache step after the commit.
        await using (var scope = world.Runtime.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<DbScope>();
            var variables = scope.ServiceProvider.GetRequiredService<VariableService>();
            using var caller = new CancellationTokenSource();
            var generation = await variables.GenerationAsync(null);
            await db.BeginAsync(CancellationToken.None);
            await variables.SetAsync(world.Execution.UserId, "k", "\"v2\"", null, generation, caller.Token);
            await caller.CancelAsync(); // the client disconnects before the commit
            try
            {
                await db.CommitAsync(CancellationToken.None);
            }
            catch (OperationCanceledException)
            {
                // Before the fix the cache step gave up here, leaving v1 cached under the current epoch.
            }
        }

        Assert.Equal("v2", (string)(await (await world.Client.GetAsync(world.Execution.VariablePath("k"))).BodyAsync())["value"]!);
    }

    /// <summary>A runtime on its own PostgreSQL database and a private Redis the test may flush.</summary>
    private sealed class World : IAsyncDisposable
    {
        private PrivateRedis redisServer = null!;
        private ConnectionMultiplexer connection = null!;

        public RuntimeFactory Runtime { get; private set; } = null!;
        public Execution Execution { get; private set; } = null!;
        public HttpClient Client { get; private set; } = null!;
        public IDatabase Redis => connection.GetDatabase();
        public RuntimeCache Cache => Runtime.Service<RuntimeCache>();
        public long Epoch => Runtime.Service<CacheEpoch>().Current!.Value;

        public static async Task<World> StartAsync()
        {
            var world = new World { redisServer = new PrivateRedis() };
            try
            {
                world.connection = await ConnectionMultiplexer.ConnectAsync(world.redisServer.ConnectionString + ",allowAdmin=true");
                world.Runtime = new RuntimeFactory(Backend.PostgresValkey, new Dictionary<string, string?> { ["ConnectionStrings:Valkey"] = world.redisServer.ConnectionString });
                world.Execution = await world.Runtime.CreateExecutionAsync();
                world.Client = world.Runtime.Script(world.Execution);
                await Eventually.UntilAsync(() => world.Runtime.Service<CacheEpoch>().Current is not null, "the first epoch reading");
                return world;
            }
            catch
            {
                // A world that failed to start still stops its Redis (run without PostgreSQL, it was left running).
                await world.DisposeAsync();
                throw;
            }
        }

        public string Key(string variable) => CacheKeys.Variable(Execution.UserId, variable);

        /// <summary>The generation as a call sees it at its start.</summary>
        public async Task<string> GenerationAsync() => (await Runtime.Service<RuntimeCache>().LookUpAsync(null))!.Value.Generation;

        public Task FlushAsync() => connection.GetServer(connection.GetEndPoints()[0]).FlushAllDatabasesAsync();

        public async Task<long> StoredEpochAsync()
        {
            await using var db = new NpgsqlConnection(Runtime.Postgres);
            await db.OpenAsync();
            await using var command = new NpgsqlCommand("SELECT epoch FROM cache_epoch WHERE id = 1", db);
            return (long)(await command.ExecuteScalarAsync())!;
        }

        public async ValueTask DisposeAsync()
        {
            Client?.Dispose();
            if (Runtime is not null) await Runtime.DisposeAsync();
            if (connection is not null) await connection.DisposeAsync();
            redisServer.Dispose();
        }
    }
}

/// <summary>A Valkey that keeps its data across restarts, or may evict keys, is a misconfiguration the runtime names at start.</summary>
public sealed class CachePersistenceWarningTests
{
    [Theory]
    [InlineData("appendonly", "yes", true)]
    [InlineData("save", "3600 1", true)]
    [InlineData("maxmemory-policy", "allkeys-lru", true)]
    [InlineData("save", "", false)]
    public async Task AValkeyThatPersistsOrMayEvictIsNamedInAWarningAtStart(string setting, string value, bool warned)
    {
        using var redis = new PrivateRedis();
        await using (var admin = await ConnectionMultiplexer.ConnectAsync(redis.ConnectionString + ",allowAdmin=true"))
            await admin.GetServer(admin.GetEndPoints()[0]).ConfigSetAsync(setting, value);
        using var runtime = new RuntimeFactory(Backend.PostgresValkey, new Dictionary<string, string?> { ["ConnectionStrings:Valkey"] = redis.ConnectionString });
        await runtime.CreateExecutionAsync();
        await Eventually.UntilAsync(() => runtime.Service<CacheEpoch>().Current is not null, "the first epoch reading");

        Assert.Equal(warned, runtime.Logs.Any(l => l.Contains("Valkey persists its data", StringComparison.Ordinal) || l.Contains("Valkey may evict keys", StringComparison.Ordinal)));
    }
}
