using StackExchange.Redis;

namespace Cronium.Runtime.Tests.Infrastructure;

/// <summary>
/// A writer and a reader instance on one PostgreSQL database and a private Valkey (tried again 1 s after a failure),
/// with "old" written to the variable <c>k</c> and cached by the reader: where the tests of a write the cache missed
/// start, before they break Valkey and put the old entry back.
/// </summary>
internal sealed class OldEntryCached : IDisposable
{
    private RedisValue entry;

    private OldEntryCached(PrivateRedis redis, string postgres)
    {
        Redis = redis;
        Postgres = postgres;
        var settings = new Dictionary<string, string?> { ["ConnectionStrings:Valkey"] = redis.ConnectionString, ["Runtime:Cache:RetryAfterFailureSeconds"] = "1" };
        Writer = new RuntimeFactory(Backend.PostgresValkey, settings, postgres: postgres);
        Reader = new RuntimeFactory(Backend.PostgresValkey, settings, postgres: postgres);
    }

    public PrivateRedis Redis { get; }

    public string Postgres { get; }

    public RuntimeFactory Writer { get; }

    public RuntimeFactory Reader { get; }

    public Execution Execution { get; private set; } = null!;

    public string CacheKey => Caching.CacheKeys.Variable(Execution.UserId, "k");

    public static async Task<OldEntryCached> StartAsync()
    {
        var redis = new PrivateRedis();
        OldEntryCached? world = null;
        try
        {
            world = new OldEntryCached(redis, TestServices.NewPostgresDatabase());
            var e = world.Execution = await world.Writer.CreateExecutionAsync();
            await world.Writer.Script(e).PutAsync(e.VariablePath("k"), Api.Json(new { value = "old" }));
            // Read until the reader's own entry for "old" is there (its epoch lease starts shortly after start-up).
            for (var tries = 0; tries < 100 && world.entry.IsNull; tries++)
            {
                await world.Reader.Script(e).GetAsync(e.VariablePath("k"));
                using (var peek = await ConnectionMultiplexer.ConnectAsync(redis.ConnectionString))
                    world.entry = await peek.GetDatabase().StringGetAsync(world.CacheKey);
                if (world.entry.IsNull) await Task.Delay(100);
            }
            Assert.False(world.entry.IsNull, "the reader never cached 'old'");
            return world;
        }
        catch
        {
            // What failed to start still goes: above all the Redis server, a process of its own.
            if (world is not null) world.Dispose();
            else redis.Dispose();
            throw;
        }
    }

    /// <summary>Valkey holds the reader's entry for "old" again (a server that was only frozen, a persisted copy, a replay).</summary>
    public async Task PutTheOldEntryBackAsync()
    {
        using var raw = await ConnectionMultiplexer.ConnectAsync(Redis.ConnectionString);
        await raw.GetDatabase().StringSetAsync(CacheKey, entry);
    }

    public void Dispose()
    {
        Reader.Dispose();
        Writer.Dispose();
        Redis.Dispose();
    }
}
