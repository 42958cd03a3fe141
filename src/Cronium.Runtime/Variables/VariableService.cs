using System.Globalization;
using Cronium.Runtime.Caching;
using Cronium.Runtime.Storage;

namespace Cronium.Runtime.Variables;

internal sealed record VariableValue(string Key, string Json, long Version, long UpdatedAt);

/// <summary>
/// Variables with the shared cache aside. Entries carry their version and are only ever replaced by a newer one,
/// so a reader that raced a writer cannot put an old value back; a write updates the entry once it has committed.
/// Entry format: <c>version|v|updatedAt|json</c>, or <c>version|d|updatedAt|</c> for "does not exist".
/// </summary>
internal sealed class VariableService(VariableStore store, RuntimeCache cache, DbScope db, TimeProvider time)
{
    public async Task<VariableValue?> GetAsync(string userId, string key, CancellationToken cancellationToken)
    {
        var cacheKey = CacheKeys.Variable(userId, key);
        if (await cache.GetAsync(cacheKey) is { } hit && TryParse(key, hit, out var cached)) return cached;

        var row = await store.GetAsync(userId, key, cancellationToken);
        var exists = row is { Deleted: false, Value: not null };
        await cache.SetIfNewerAsync(cacheKey, row?.Version ?? 0, Entry(exists ? row!.Value : null, row?.UpdatedAt ?? 0), replayOnFailure: false);
        return exists ? new VariableValue(key, row!.Value!, row.Version, row.UpdatedAt) : null;
    }

    public async Task<VariableWrite> SetAsync(string userId, string key, string json, long? ifVersion, CancellationToken cancellationToken)
    {
        var write = await store.SetAsync(userId, key, json, ifVersion, Now(), cancellationToken);
        if (write.Written)
            await db.AfterCommitAsync(() => cache.SetIfNewerAsync(CacheKeys.Variable(userId, key), write.Version, Entry(json, write.UpdatedAt), replayOnFailure: true));
        return write;
    }

    public async Task<bool> DeleteAsync(string userId, string key, CancellationToken cancellationToken)
    {
        var tombstone = await store.DeleteAsync(userId, key, Now(), cancellationToken);
        if (tombstone is null) return false;
        await db.AfterCommitAsync(() => cache.SetIfNewerAsync(CacheKeys.Variable(userId, key), tombstone.Version, Entry(null, tombstone.UpdatedAt), replayOnFailure: true));
        return true;
    }

    public Task<IReadOnlyList<VariableVersionRow>> ListAsync(string userId, string prefix, string? after, int take, CancellationToken cancellationToken) =>
        store.ListAsync(userId, prefix, after, take, cancellationToken);

    private long Now() => Time.ToMs(time.GetUtcNow());

    private static string Entry(string? json, long updatedAt) =>
        json is null ? $"d|{updatedAt}|" : $"v|{updatedAt}|{json}";

    /// <summary>False for an entry that says the variable does not exist, or one this code cannot read.</summary>
    private static bool TryParse(string key, string entry, out VariableValue? value)
    {
        value = null;
        var parts = entry.Split('|', 4);
        if (parts.Length != 4 || !long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var version)
            || !long.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out var updatedAt))
            return false;
        if (parts[1] == "d") return true;
        value = new VariableValue(key, parts[3], version, updatedAt);
        return true;
    }
}
