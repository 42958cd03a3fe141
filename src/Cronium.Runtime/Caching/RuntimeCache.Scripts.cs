using StackExchange.Redis;

namespace Cronium.Runtime.Caching;

/// <summary>
/// The cache's scripted calls, each one round trip: a script call's lookup (state, rate count, generation, entry),
/// fills that obey the generation (<see cref="CacheGeneration"/>) and versioned variable entries, and the check at
/// start that Valkey neither persists nor evicts.
/// </summary>
internal sealed partial class RuntimeCache
{
    // Everything a script call needs from the cache, in one round trip: the execution's state (revocation), the
    // call counted in its rate window, the cache's generation (made when missing) and the entry the endpoint reads
    // (when it names one).
    private static readonly CacheScript CallScript = new("""
        local s = redis.call('GET', KEYS[1])
        local n = redis.call('INCR', KEYS[2])
        if n == 1 then redis.call('PEXPIRE', KEYS[2], ARGV[1]) end
        local g = redis.call('GET', KEYS[3])
        if not g then g = ARGV[2]; redis.call('SET', KEYS[3], g) end
        if KEYS[4] then return {s, n, g, redis.call('GET', KEYS[4])} end
        return {s, n, g}
        """);

    // The generation (KEYS[1], made from ARGV[1] when missing) and, when named, an entry (KEYS[2]).
    private static readonly CacheScript EntryScript = new(CacheGeneration.Read + "\n" + """
        if KEYS[2] then return {g, redis.call('GET', KEYS[2])} end
        return {g}
        """);

    // SET KEYS[1] ARGV[2] PX ARGV[3] (NX when ARGV[4] is 1), only under the generation ARGV[1] (KEYS[2]).
    private static readonly CacheScript SetScript = new(CacheGeneration.Check + "\n" + """
        if ARGV[4] == '1' then
          if redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3], 'NX') then return 1 end
          return 0
        end
        redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
        return 1
        """);

    private static readonly CacheScript SetIfNewerScript = new(VariableEntry.SetIfNewerScript);

    /// <summary>A fill from a storage read: stored only while the cache is in the <paramref name="generation"/> its call saw.</summary>
    public async Task<bool> FillAsync(string key, string value, TimeSpan ttl, string generation, bool onlyIfAbsent)
    {
        if (Db is not { } db) return false;
        try
        {
            var outcome = (long)await SetScript.EvaluateAsync(db, [key, CacheGeneration.Key],
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
            var result = (RedisResult[])(await EntryScript.EvaluateAsync(db, keys, [CacheGeneration.Offer()]))!;
            Succeeded();
            return ((string)result[0]!, result.Length > 1 ? (RedisValue)result[1] : RedisValue.Null);
        }
        catch (Exception e) when (IsCacheFailure(e))
        {
            Failed(e);
            return null;
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
            var outcome = (long)await SetIfNewerScript.EvaluateAsync(db, [key, CacheGeneration.Key],
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
            var result = (RedisResult[])(await CallScript.EvaluateAsync(db, keys, [(long)window.TotalMilliseconds, CacheGeneration.Offer()]))!;
            Succeeded();
            return (result[0].IsNull ? null : (string?)result[0], (long)result[1], (string)result[2]!, result.Length > 3 ? (RedisValue)result[3] : RedisValue.Null);
        }
        catch (Exception e) when (IsCacheFailure(e))
        {
            Failed(e);
            return null;
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
}
