using System.Globalization;

namespace Cronium.Runtime.Caching;

/// <summary>
/// A variable as the shared cache holds it, and the one owner of that format:
/// <c>epoch|version|v|updatedAt|json</c>, or <c>epoch|version|d|updatedAt|</c> for "does not exist".
/// The epoch says which <see cref="CacheEpoch"/> it was written under; the version never goes back within one.
/// </summary>
internal sealed record VariableEntry(long Epoch, long Version, bool Exists, long UpdatedAt, string? Json)
{
    /// <summary>
    /// Stores an entry unless one under a later epoch, or a same or later version under the same epoch, is there.
    /// Returns 1 stored, 0 kept a same or newer one, -1 kept one of a later epoch (the writer's epoch is out of date).
    /// </summary>
    public const string SetIfNewerScript = """
        local cur = redis.call('GET', KEYS[1])
        if cur then
          local e, v = string.match(cur, '^(%d+)|(%d+)|')
          e = tonumber(e); v = tonumber(v)
          local ne = tonumber(ARGV[1]); local nv = tonumber(ARGV[2])
          if e and v then
            if e > ne then return -1 end
            if e == ne and v >= nv then return 0 end
          end
        end
        redis.call('SET', KEYS[1], ARGV[3], 'PX', ARGV[4])
        return 1
        """;

    public string Format() => $"{Epoch}|{Version}|{(Exists ? 'v' : 'd')}|{UpdatedAt}|{Json}";

    /// <summary>Null for text this code cannot read (treated as a miss).</summary>
    public static VariableEntry? Parse(string text)
    {
        var parts = text.Split('|', 5);
        if (parts.Length != 5 || parts[2] is not ("v" or "d")
            || !long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var epoch)
            || !long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var version)
            || !long.TryParse(parts[3], NumberStyles.None, CultureInfo.InvariantCulture, out var updatedAt))
            return null;
        return new VariableEntry(epoch, version, parts[2] == "v", updatedAt, parts[2] == "v" ? parts[4] : null);
    }
}
