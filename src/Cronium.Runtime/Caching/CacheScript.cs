using System.Security.Cryptography;
using System.Text;
using StackExchange.Redis;

namespace Cronium.Runtime.Caching;

/// <summary>
/// A Lua script the cache runs, sent by its SHA1 (EVALSHA). The client library's text overload looks the text up in
/// a table of hashes on every call, hashing all of it each time (1.3 % of the runtime's CPU per getVariable); the
/// hash here is made once. A Valkey that lost its script cache (a restart, <c>SCRIPT FLUSH</c>) answers NOSCRIPT:
/// that one call then sends the text (EVAL), which loads it again for the calls after it.
/// </summary>
internal sealed class CacheScript(string text)
{
    private readonly byte[] hash = SHA1.HashData(Encoding.UTF8.GetBytes(text));

    public async Task<RedisResult> EvaluateAsync(IDatabase db, RedisKey[] keys, RedisValue[] values)
    {
        try
        {
            return await db.ScriptEvaluateAsync(hash, keys, values);
        }
        catch (RedisServerException e) when (e.Message.StartsWith("NOSCRIPT", StringComparison.Ordinal))
        {
            return await db.ScriptEvaluateAsync(text, keys, values);
        }
    }
}
