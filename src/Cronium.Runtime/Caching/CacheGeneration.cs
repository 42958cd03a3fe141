namespace Cronium.Runtime.Caching;

/// <summary>
/// Which life of the cache a fill belongs to. A reader fills the cache from a storage read, and a writer after its
/// commit; either may land late. Versions keep a late entry from replacing a newer one, but not from landing in a cache
/// that was emptied meanwhile (FLUSHALL, a restart without persistence): the late entry, older
/// than a write already acknowledged, would then be served. So the cache holds a generation token, made anew by the
/// first call that finds none, and every fill names the token its call saw before it read storage (a reader) or
/// committed (a writer): a token that is gone or changed means the cache lost what it held since, and the fill is
/// refused. A writer whose fill is refused moves the epoch on, as for a cache that did not answer. Not covered, so
/// ruled out in the README (and warned about at start): one entry evicted alone (the token stays; run Valkey with
/// noeviction), a cache restored from disk or a promoted replica (the token comes back with the old entries).
/// </summary>
internal static class CacheGeneration
{
    public const string Key = "cronium:cache:generation";

    private static readonly string Instance = Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(8));
    private static long made;

    /// <summary>A token no other instance or earlier life of this one can make: offered in case the cache has none.</summary>
    public static string Offer() => $"{Instance}.{Interlocked.Increment(ref made)}";

    /// <summary>Refuses a fill (-2) unless the generation (KEYS[2]) is still the one its call saw (ARGV[1]).</summary>
    internal const string Check = """
        if redis.call('GET', KEYS[2]) ~= ARGV[1] then return -2 end
        """;

    /// <summary>The generation (KEYS[1]), made from the offered token (ARGV[1]) when the cache holds none.</summary>
    internal const string Read = """
        local g = redis.call('GET', KEYS[1])
        if not g then g = ARGV[1]; redis.call('SET', KEYS[1], g) end
        """;
}
