using System.Buffers.Text;
using System.Text;
using StackExchange.Redis;

namespace Cronium.Runtime.Caching;

/// <summary>
/// A variable as the shared cache holds it, and the one owner of that format (written by <see cref="Format"/>, read
/// by <see cref="Parse"/>, matched by <see cref="SetIfNewerScript"/>):
/// <c>epoch|version|v|updatedAt|json</c>, or <c>epoch|version|d|updatedAt|</c> for "does not exist".
/// The epoch says which <see cref="CacheEpoch"/> it was written under; the version never goes back within one.
/// The JSON is the UTF-8 text the script sent; a read hands it on as those bytes, never decoded or re-encoded.
/// </summary>
internal sealed class VariableEntry
{
    /// <summary>
    /// Stores an entry unless one under a later epoch, or a same or later version under the same epoch, is there, or
    /// the cache is no longer in the caller's generation (KEYS[2] against ARGV[1], see <see cref="CacheGeneration"/>).
    /// Returns 1 stored, 0 kept a same or newer one, -1 kept one of a later epoch (the writer's epoch is out of date),
    /// -2 refused: the cache lost what it held since the call began.
    /// </summary>
    public const string SetIfNewerScript = CacheGeneration.Check + "\n" + """
        local cur = redis.call('GET', KEYS[1])
        if cur then
          local e, v = string.match(cur, '^(%d+)|(%d+)|')
          e = tonumber(e); v = tonumber(v)
          local ne = tonumber(ARGV[2]); local nv = tonumber(ARGV[3])
          if e and v then
            if e > ne then return -1 end
            if e == ne and v >= nv then return 0 end
          end
        end
        redis.call('SET', KEYS[1], ARGV[4], 'PX', ARGV[5])
        return 1
        """;

    private VariableEntry(long epoch, long version, bool exists, long updatedAt, ReadOnlyMemory<byte> json)
    {
        Epoch = epoch;
        Version = version;
        Exists = exists;
        UpdatedAt = updatedAt;
        Json = json;
    }

    public long Epoch { get; }

    public long Version { get; }

    public bool Exists { get; }

    public long UpdatedAt { get; }

    /// <summary>The value's UTF-8 JSON text (empty when it does not exist).</summary>
    public ReadOnlyMemory<byte> Json { get; }

    /// <summary>The entry's text for the cache; <paramref name="json"/> null means "does not exist".</summary>
    public static byte[] Format(long epoch, long version, long updatedAt, string? json)
    {
        var header = $"{epoch}|{version}|{(json is null ? 'd' : 'v')}|{updatedAt}|";
        var bytes = new byte[header.Length + (json is null ? 0 : Encoding.UTF8.GetByteCount(json))];
        Encoding.ASCII.GetBytes(header, bytes);
        if (json is not null) Encoding.UTF8.GetBytes(json, bytes.AsSpan(header.Length));
        return bytes;
    }

    /// <summary>Null for an absent entry or text this code cannot read (treated as a miss).</summary>
    public static VariableEntry? Parse(RedisValue value)
    {
        if (value.IsNull) return null;
        ReadOnlyMemory<byte> text = (byte[]?)value;
        var rest = text;
        if (!Number(ref rest, out var epoch) || !Number(ref rest, out var version)) return null;
        var span = rest.Span;
        if (span.Length < 2 || span[0] is not ((byte)'v' or (byte)'d') || span[1] != '|') return null;
        var exists = span[0] == 'v';
        rest = rest[2..];
        if (!Number(ref rest, out var updatedAt)) return null;
        return new VariableEntry(epoch, version, exists, updatedAt, exists ? rest : default);
    }

    /// <summary>Reads "digits|" off the front of <paramref name="text"/>.</summary>
    private static bool Number(ref ReadOnlyMemory<byte> text, out long value)
    {
        var span = text.Span;
        var bar = span.IndexOf((byte)'|');
        value = 0;
        if (bar <= 0 || !Utf8Parser.TryParse(span[..bar], out value, out var used) || used != bar || value < 0) return false;
        text = text[(bar + 1)..];
        return true;
    }
}
