using Cronium.Runtime.Hosting;
using StackExchange.Redis;

namespace Cronium.Runtime.Caching;

/// <summary>
/// Valkey, optional and never in the way: every call answers "don't know" instead of failing, so callers read
/// through to storage. After a failure the cache is skipped for a while (no pile-up of timeouts) and a log line
/// says it is degraded. A write the cache did not take is never replayed later (an old value put back into a cache
/// that came back could be served over a newer one): the caller invalidates through <see cref="CacheEpoch"/> instead.
/// </summary>
internal sealed class RuntimeCache : IAsyncDisposable
{
    // Everything a script call needs from the cache, in one round trip: the execution's state (revocation), the
    // call counted in its rate window, and the entry the endpoint reads (when it names one).
    private const string CallScript = """
        local s = redis.call('GET', KEYS[1])
        local n = redis.call('INCR', KEYS[2])
        if n == 1 then redis.call('PEXPIRE', KEYS[2], ARGV[1]) end
        local g = redis.call('GET', KEYS[3])
        if not g then g = ARGV[2]; redis.call('SET', KEYS[3], g) end
        if KEYS[4] then return {s, n, g, redis.call('GET', KEYS[4])} end
        return {s, n, g}
        """;

    // The generation (KEYS[1], made from ARGV[1] when missing) and, when named, an entry (KEYS[2]).
    private const string EntryScript = CacheGeneration.Read + "\n" + """
        if KEYS[2] then return {g, redis.call('GET', KEYS[2])} end
        return {g}
        """;

    // SET KEYS[1] ARGV[2] PX ARGV[3] (NX when ARGV[4] is 1), only under the generation ARGV[1] (KEYS[2]).
    private const string SetScript = CacheGeneration.Check + "\n" + """
        if ARGV[4] == '1' then
          if redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3], 'NX') then return 1 end
          return 0
        end
        redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
        return 1
        """;

    private const string CountScript = """
        local n = redis.call('INCR', KEYS[1])
        if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
        return n
        """;

    private readonly ConnectionMultiplexer? connection;
    private readonly CacheOptions options;
    private readonly TimeProvider time;
    private readonly ILogger<RuntimeCache> logger;
    private long skipUntilTicks;
    private int degraded;

    public RuntimeCache(IConfiguration configuration, IOptions<CacheOptions> options, TimeProvider time, ILogger<RuntimeCache> logger)
    {
        this.options = options.Value;
        this.time = time;
        this.logger = logger;
        var connectionString = configuration.GetConnectionString("Valkey");
        if (string.IsNullOrWhiteSpace(connectionString)) return;

        var config = ConfigurationOptions.Parse(connectionString);
        config.AbortOnConnectFail = false;
        config.AsyncTimeout = this.options.TimeoutMilliseconds;
        config.SyncTimeout = this.options.TimeoutMilliseconds;
        config.ConnectTimeout = Math.Max(1000, this.options.TimeoutMilliseconds);
        config.ClientName = "cronium-runtime";
        // For CONFIG GET at start (WarnIfPersistentAsync): the client library refuses admin commands otherwise. The
        // runtime sends no other; what the server allows is its own ACL's business.
        config.AllowAdmin = true;
        connection = ConnectionMultiplexer.Connect(config);
        connection.ConnectionRestored += (_, _) => Recovered();
    }

    public bool Enabled => connection is not null;

    private IDatabase? Db =>
        connection is null || time.GetUtcNow().UtcTicks < Interlocked.Read(ref skipUntilTicks) ? null : connection.GetDatabase();

    public async Task<string?> GetAsync(string key)
    {
        if (Db is not { } db) return null;
        try
        {
            var value = await db.StringGetAsync(key);
            Succeeded();
            return value.HasValue ? value.ToString() : null;
        }
        catch (Exception e) when (IsCacheFailure(e))
        {
            Failed(e);
            return null;
        }
    }

    /// <summary>True when stored. <paramref name="onlyIfAbsent"/> keeps an existing entry (a revocation marker beats a late "running").</summary>
    /// <paramref name="force"/> tries even while the cache is being skipped after a failure (a revocation must be attempted).
    public async Task<bool> SetAsync(string key, string value, TimeSpan ttl, bool onlyIfAbsent = false, bool force = false)
    {
        var db = force ? connection?.GetDatabase() : Db;
        if (db is null) return false;
        try
        {
            await db.StringSetAsync(key, value, ttl, onlyIfAbsent ? When.NotExists : When.Always);
            Succeeded();
            return true;
        }
        catch (Exception e) when (IsCacheFailure(e))
        {
            Failed(e);
            return false;
        }
    }

    /// <summary>A fill from a storage read: stored only while the cache is in the <paramref name="generation"/> its call saw.</summary>
    public async Task<bool> FillAsync(string key, string value, TimeSpan ttl, string generation, bool onlyIfAbsent)
    {
        if (Db is not { } db) return false;
        try
        {
            var outcome = (long)await db.ScriptEvaluateAsync(SetScript, [key, CacheGeneration.Key],
                [generation, value, (long)ttl.TotalMilliseconds, onlyIfAbsent ? 1 : 0]);
            Succeeded();
            return outcome == 1;
        }
        catch (Exception e) when (IsCacheFailure(e))
        {
            Failed(e);
            return false;
        }
    }

    /// <summary>
    /// The cache's generation (<see cref="CacheGeneration"/>) and the entry under <paramref name="key"/> when given, in
    /// one round trip; null when the cache cannot say.
    /// </summary>
    public async Task<(string Generation, RedisValue Entry)?> LookUpAsync(string? key)
    {
        if (Db is not { } db) return null;
        try
        {
            RedisKey[] keys = key is null ? [CacheGeneration.Key] : [CacheGeneration.Key, key];
            var result = (RedisResult[])(await db.ScriptEvaluateAsync(EntryScript, keys, [CacheGeneration.Offer()]))!;
            Succeeded();
            return ((string)result[0]!, result.Length > 1 ? (RedisValue)result[1] : RedisValue.Null);
        }
        catch (Exception e) when (IsCacheFailure(e))
        {
            Failed(e);
            return null;
        }
    }

    /// <summary>The value under <paramref name="key"/> as stored; null when missing or the cache cannot say.</summary>
    public async Task<RedisValue> GetRawAsync(string key)
    {
        if (Db is not { } db) return RedisValue.Null;
        try
        {
            var value = await db.StringGetAsync(key);
            Succeeded();
            return value;
        }
        catch (Exception e) when (IsCacheFailure(e))
        {
            Failed(e);
            return RedisValue.Null;
        }
    }

    /// <summary>
    /// Stores a variable entry (<see cref="VariableEntry.Format"/>) unless a newer one is there (see
    /// <see cref="VariableEntry.SetIfNewerScript"/>) or the cache is no longer in <paramref name="generation"/>. False
    /// when the cache did not take it and may hold something older: a writer must invalidate before acknowledging.
    /// </summary>
    public async Task<bool> SetVariableIfNewerAsync(string key, string generation, long epoch, long version, byte[] entry)
    {
        if (Db is not { } db) return false;
        try
        {
            var outcome = (long)await db.ScriptEvaluateAsync(VariableEntry.SetIfNewerScript, [key, CacheGeneration.Key],
                [generation, epoch, version, entry, (long)TimeSpan.FromSeconds(options.TtlSeconds).TotalMilliseconds]);
            Succeeded();
            return outcome >= 0;
        }
        catch (Exception e) when (IsCacheFailure(e))
        {
            Failed(e);
            return false;
        }
    }

    /// <summary>
    /// One round trip for a script call: reads <paramref name="stateKey"/>, counts the call under
    /// <paramref name="rateKey"/> (expiring after <paramref name="window"/>), reads the cache's generation and
    /// <paramref name="entryKey"/> when given. Null when the cache cannot say.
    /// </summary>
    public async Task<(string? State, long Calls, string Generation, RedisValue Entry)?> LookUpCallAsync(string stateKey, string rateKey, string? entryKey, TimeSpan window)
    {
        if (Db is not { } db) return null;
        try
        {
            RedisKey[] keys = entryKey is null ? [stateKey, rateKey, CacheGeneration.Key] : [stateKey, rateKey, CacheGeneration.Key, entryKey];
            var result = (RedisResult[])(await db.ScriptEvaluateAsync(CallScript, keys, [(long)window.TotalMilliseconds, CacheGeneration.Offer()]))!;
            Succeeded();
            return (result[0].IsNull ? null : (string?)result[0], (long)result[1], (string)result[2]!, result.Length > 3 ? (RedisValue)result[3] : RedisValue.Null);
        }
        catch (Exception e) when (IsCacheFailure(e))
        {
            Failed(e);
            return null;
        }
    }

    /// <summary>Counts a call in a fixed window; null when the cache cannot say (the caller counts locally).</summary>
    public async Task<long?> CountAsync(string key, TimeSpan window)
    {
        if (Db is not { } db) return null;
        try
        {
            var n = (long)await db.ScriptEvaluateAsync(CountScript, [key], [(long)window.TotalMilliseconds]);
            Succeeded();
            return n;
        }
        catch (Exception e) when (IsCacheFailure(e))
        {
            Failed(e);
            return null;
        }
    }

    public async Task<bool> PingAsync()
    {
        if (connection is null) return false;
        try
        {
            await connection.GetDatabase().PingAsync();
            Succeeded();
            return true;
        }
        catch (Exception e) when (IsCacheFailure(e))
        {
            Failed(e);
            return false;
        }
    }

    /// <summary>
    /// Says loudly when Valkey keeps its data across a restart (RDB snapshots or an append-only file): restored, it
    /// would bring back entries older than writes acknowledged since (see <see cref="CacheGeneration"/>); and when it
    /// may evict keys, which lets a late fill replace an evicted newer entry. Servers
    /// that refuse CONFIG (managed services) are not asked twice and not warned about.
    /// </summary>
    public async Task WarnIfPersistentAsync()
    {
        if (connection is null) return;
        try
        {
            var server = connection.GetServer(connection.GetEndPoints()[0]);
            var settings = (await server.ConfigGetAsync("save")).Concat(await server.ConfigGetAsync("appendonly"))
                .Concat(await server.ConfigGetAsync("maxmemory-policy"))
                .ToDictionary(p => p.Key, p => p.Value, StringComparer.OrdinalIgnoreCase);
            // An entry evicted alone (its TTL makes it a candidate under every volatile-* and allkeys-* policy) leaves
            // room for a late fill older than the evicted entry, which the generation cannot see; with noeviction a
            // full Valkey refuses writes instead, and the writer moves the epoch on.
            if (settings.GetValueOrDefault("maxmemory-policy") is { Length: > 0 } policy && !policy.Equals("noeviction", StringComparison.OrdinalIgnoreCase))
                logger.LogWarning("Valkey may evict keys (maxmemory-policy {Policy}): an evicted entry can be replaced by a late fill older than it. Run it with --maxmemory-policy noeviction.", policy);
            var snapshots = settings.GetValueOrDefault("save") is { Length: > 0 } save ? save : null;
            var appendOnly = string.Equals(settings.GetValueOrDefault("appendonly"), "yes", StringComparison.OrdinalIgnoreCase);
            if (snapshots is not null || appendOnly)
                logger.LogWarning("Valkey persists its data ({Persistence}): after a restart it would restore cache entries older than writes acknowledged since. Run it with --save '' --appendonly no; the cache refills from storage.",
                    appendOnly ? "appendonly yes" : $"save {snapshots}");
        }
        catch (Exception e) when (IsCacheFailure(e) || e is RedisCommandException or InvalidOperationException)
        {
            // CONFIG disabled or renamed, or Valkey not up yet: nothing to say.
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (connection is not null) await connection.DisposeAsync();
    }

    private static bool IsCacheFailure(Exception e) => e is RedisException or TimeoutException or ObjectDisposedException;

    private void Failed(Exception e)
    {
        Interlocked.Exchange(ref skipUntilTicks, (time.GetUtcNow() + TimeSpan.FromSeconds(options.RetryAfterFailureSeconds)).UtcTicks);
        if (Interlocked.Exchange(ref degraded, 1) == 0)
            logger.LogWarning("Cache degraded: Valkey did not answer ({Error}); reading through to storage for {Seconds} s before trying again.",
                e.GetType().Name, options.RetryAfterFailureSeconds);
    }

    private void Succeeded()
    {
        if (Volatile.Read(ref degraded) == 0) return;
        Recovered();
    }

    private void Recovered()
    {
        if (Interlocked.Exchange(ref degraded, 0) == 1)
            logger.LogInformation("Cache recovered: Valkey answers again.");
        Interlocked.Exchange(ref skipUntilTicks, 0);
    }
}
