using Cronium.Runtime.Caching;
using Cronium.Runtime.Json;
using Cronium.Runtime.Storage;
using StackExchange.Redis;

namespace Cronium.Runtime.Variables;

/// <summary>A variable as read: its JSON as stored (text from storage, or the cache entry's UTF-8 bytes).</summary>
internal sealed record VariableValue(string Key, RawJson Value, long Version, long UpdatedAt);

/// <summary>
/// Variables with the shared cache aside. Entries carry their version and are only ever replaced by a newer one,
/// so a reader that raced a writer cannot put an old value back; a write updates the entry once it has committed.
/// Entries are trusted only under the current <see cref="CacheEpoch"/>; a write the cache did not take moves the
/// epoch on before it is acknowledged, so nothing older than an acknowledged write is ever read back.
/// </summary>
internal sealed class VariableService(VariableStore store, RuntimeCache cache, CacheEpoch epochs, DbScope db, KeyTurns turns, TimeProvider time)
{
    /// <summary>The cache key a script's getVariable fetches in its call's one round trip (see <see cref="CallLookup"/>).</summary>
    public static readonly ReadsCacheEntry ScriptRead = new((http, _, userId) =>
        http.Request.RouteValues["key"] is string key ? CacheKeys.Variable(userId, key) : null);

    /// <summary>
    /// The variable, or null when it does not exist. <paramref name="fetched"/> is the cache entry the call's round
    /// trip already brought (<see cref="CallLookup.Entry"/>); without one the cache is asked here. A ValueTask: a hit
    /// on the entry the round trip brought completes at once, with no task and no key made.
    /// </summary>
    public async ValueTask<VariableValue?> GetAsync(string userId, string key, CallLookup? fetched, CancellationToken cancellationToken)
    {
        string? cacheKey = null;
        // The epoch before the storage read: an entry written from this read must not claim a later epoch. An entry
        // fetched before this reading is as safe: a write acknowledged after it was fetched was concurrent with this read.
        var epoch = epochs.Current;
        string? generation = null;
        if (epoch is { } current)
        {
            // A miss in the call's round trip is a miss: no second trip to ask again.
            var found = fetched is not null ? (fetched.Generation, fetched.Entry) : await cache.LookUpAsync(cacheKey = CacheKeys.Variable(userId, key));
            generation = found?.Generation;
            if (VariableEntry.Parse(found?.Entry ?? RedisValue.Null) is { } hit && hit.Epoch == current)
                return hit.Exists ? new VariableValue(key, new RawJson(hit.Json), hit.Version, hit.UpdatedAt) : null;
        }

        var row = await store.GetAsync(userId, key, cancellationToken);
        if (epoch is { } e && generation is not null) await FillAsync(cacheKey ?? CacheKeys.Variable(userId, key), generation, e, row);
        return Exists(row) ? new VariableValue(key, new RawJson(row!.Value!), row.Version, row.UpdatedAt) : null;
    }

    private static bool Exists(VariableRow? row) => row is { Deleted: false, Value: not null };

    /// <summary>The entry for what storage holds (a tombstone or no row is an entry saying "absent"), unless the cache has a newer one.</summary>
    private Task<bool> FillAsync(string cacheKey, string generation, long epoch, VariableRow? row)
    {
        var version = row?.Version ?? 0;
        return cache.SetVariableIfNewerAsync(cacheKey, generation, epoch, version, VariableEntry.Format(epoch, version, row?.UpdatedAt ?? 0, Exists(row) ? row!.Value : null));
    }

    /// <param name="generation">The cache's generation, read before this write began (<see cref="GenerationAsync"/>).</param>
    public async Task<VariableWrite> SetAsync(string userId, string key, string json, long? ifVersion, string? generation, CancellationToken cancellationToken)
    {
        var write = await turns.RunAsync(CacheKeys.Variable(userId, key), () => store.SetAsync(userId, key, json, ifVersion, Now(), cancellationToken), cancellationToken);
        if (write.Written)
            await db.AfterCommitAsync(() => CacheAsync(CacheKeys.Variable(userId, key), generation, write.Version, true, write.UpdatedAt, json));
        return write;
    }

    public async Task<bool> DeleteAsync(string userId, string key, string? generation, CancellationToken cancellationToken)
    {
        var tombstone = await turns.RunAsync(CacheKeys.Variable(userId, key), () => store.DeleteAsync(userId, key, Now(), cancellationToken), cancellationToken);
        if (tombstone is null) return false;
        await db.AfterCommitAsync(() => CacheAsync(CacheKeys.Variable(userId, key), generation, tombstone.Version, false, tombstone.UpdatedAt, null));
        return true;
    }

    /// <summary>
    /// A replayed write's cache step, done again before the replay says "done": the first attempt committed, but the
    /// cache may not have taken its entry and storage may have failed before the epoch moved on, leaving an older entry
    /// trusted. The entry is made again from what storage holds now, or the epoch moves on. As for a reader's fill, the
    /// generation and the epoch are read before storage is.
    /// </summary>
    public async Task RefreshAsync(string userId, string key, CancellationToken cancellationToken)
    {
        if (!cache.Enabled) return;
        var cacheKey = CacheKeys.Variable(userId, key);
        var generation = await GenerationAsync(null);
        if (epochs.Current is not null && generation is not null)
        {
            var epoch = await epochs.ReadNowAsync(cancellationToken);
            if (await FillAsync(cacheKey, generation, epoch, await store.GetAsync(userId, key, cancellationToken))) return;
        }
        await epochs.InvalidateAsync(cancellationToken);
    }

    public Task<IReadOnlyList<VariableVersionRow>> ListAsync(string userId, string prefix, string? after, int take, CancellationToken cancellationToken) =>
        store.ListAsync(userId, prefix, after, take, cancellationToken);

    /// <summary>
    /// The cache's generation before a write begins: from the script call's round trip, else asked here. Asked before
    /// the write's transaction opens (see <c>VariablesApi</c>): inside it, a slow or frozen Valkey, up to the cache's
    /// timeout, would keep the transaction and its pooled connection open, and on SQLite every other write waiting.
    /// </summary>
    public async Task<string?> GenerationAsync(CallLookup? call) =>
        !cache.Enabled ? null : call?.Generation ?? (await cache.LookUpAsync(null))?.Generation;

    /// <summary>
    /// After a commit: the cache takes the new entry, or the epoch moves on before the write is acknowledged (the cache
    /// did not answer, or lost what it held since the write began: the entry is refused, see <see cref="CacheGeneration"/>).
    /// Never cancelled with the request: the write has committed (with its idempotency record, whose replay will say
    /// "done"), so a caller gone away must not leave an older entry in the cache and no epoch bump behind it.
    /// </summary>
    private async Task CacheAsync(string cacheKey, string? generation, long version, bool exists, long updatedAt, string? json)
    {
        if (!cache.Enabled) return;
        if (epochs.Current is not null && generation is not null)
        {
            // Under the epoch storage has after the commit, not the last reading (see CacheEpoch.ReadNowAsync).
            var epoch = await epochs.ReadNowAsync(CancellationToken.None);
            if (await cache.SetVariableIfNewerAsync(cacheKey, generation, epoch, version, VariableEntry.Format(epoch, version, updatedAt, exists ? json : null))) return;
        }
        await epochs.InvalidateAsync(CancellationToken.None);
    }

    private long Now() => Time.ToMs(time.GetUtcNow());
}
