using StackExchange.Redis;

namespace Cronium.Runtime.Caching;

/// <summary>
/// What one script call learnt from the cache in its single round trip (<see cref="RuntimeCache.LookUpCallAsync"/>):
/// the execution's state for the gate (Auth), the call's number in its rate window for the limiter (RateLimiting),
/// the cache's generation for what the call fills in later, and, when the endpoint reads one entry (<see cref="ReadsCacheEntry"/>), that entry for the handler. Kept on the
/// request's features; absent when no cache is configured or it could not answer.
/// </summary>
internal sealed class CallLookup(string? executionState, long window, long calls, string generation, RedisValue entry)
{
    /// <summary>The cached state of the execution, null when the cache holds none.</summary>
    public string? ExecutionState { get; } = executionState;

    /// <summary>The one-second window (Unix seconds) the call was counted in.</summary>
    public long Window { get; } = window;

    /// <summary>The call's number within <see cref="Window"/>.</summary>
    public long Calls { get; } = calls;

    /// <summary>The cache's generation when the call began (<see cref="CacheGeneration"/>): what its fills name.</summary>
    public string Generation { get; } = generation;

    /// <summary>The entry the endpoint named, as stored (null when missing or not asked for).</summary>
    public RedisValue Entry { get; } = entry;

    public static CallLookup? From(HttpContext http) => http.Features.Get<CallLookup>();
}

/// <summary>
/// Endpoint metadata: the cache entry this route reads, fetched in the call's one round trip with the gate and the
/// rate count. <see cref="KeyFor"/> gets the request and the token's execution and user (never the path's, which the
/// scope check has not compared yet).
/// </summary>
internal sealed class ReadsCacheEntry(Func<HttpContext, string, string, string?> keyFor)
{
    public string? KeyFor(HttpContext http, string executionId, string userId) => keyFor(http, executionId, userId);
}
