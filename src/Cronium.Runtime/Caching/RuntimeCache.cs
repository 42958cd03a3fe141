using Cronium.Runtime.Hosting;
using StackExchange.Redis;

namespace Cronium.Runtime.Caching;

/// <summary>
/// Valkey, optional and never in the way: every call answers "don't know" instead of failing, so callers read
/// through to storage. After a failure the cache is skipped for a while (no pile-up of timeouts) and a log line
/// says it is degraded. A write the cache did not take is never replayed later (an old value put back into a cache
/// that came back could be served over a newer one): the caller invalidates through <see cref="CacheEpoch"/> instead.
/// </summary>
internal sealed partial class RuntimeCache : IAsyncDisposable
{
    private static readonly CacheScript CountScript = new("""
        local n = redis.call('INCR', KEYS[1])
        if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
        return n
        """);

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

    /// <summary>Counts a call in a fixed window; null when the cache cannot say (the caller counts locally).</summary>
    public async Task<long?> CountAsync(string key, TimeSpan window)
    {
        if (Db is not { } db) return null;
        try
        {
            var n = (long)await CountScript.EvaluateAsync(db, [key], [(long)window.TotalMilliseconds]);
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

    public async ValueTask DisposeAsync()
    {
        if (connection is not null) await connection.DisposeAsync();
    }

    private static bool IsCacheFailure(Exception e) => e is RedisException or TimeoutException or ObjectDisposedException;

    private void Failed(Exception e)
    {
        Interlocked.Exchange(ref skipUntilTicks, (time.GetUtcNow() + TimeSpan.FromSeconds(options.RetryAfterFailureSeconds)).UtcTicks);
        // The client's own message, not only its type: a timeout's says what was in flight and how busy the client's
        // queues and the thread pool were, which is what tells a slow server from a starved runtime. It names the
        // command (and for some, the key), never a value or the password.
        if (Interlocked.Exchange(ref degraded, 1) == 0)
            logger.LogWarning("Cache degraded: Valkey did not answer ({Error}); reading through to storage for {Seconds} s before trying again.",
                e.GetType().Name + ": " + e.Message, options.RetryAfterFailureSeconds);
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
