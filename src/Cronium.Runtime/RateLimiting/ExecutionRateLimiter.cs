using System.Collections.Concurrent;
using Cronium.Runtime.Caching;
using Cronium.Runtime.Hosting;

namespace Cronium.Runtime.RateLimiting;

/// <summary>
/// A fixed one-second window per execution, counted in Valkey when configured (so the limit holds across
/// instances) and in process otherwise or while the cache is degraded. Each execution has its own counter:
/// a noisy script is refused without slowing anybody else.
/// </summary>
internal sealed class ExecutionRateLimiter(RuntimeCache cache, TimeProvider time, IOptions<RateLimitOptions> options)
{
    private readonly ConcurrentDictionary<string, LocalWindow> local = new();
    private long lastSweep;

    /// <summary>How long a window's counter lives in the cache: its own second and the next.</summary>
    private static readonly TimeSpan CounterLifetime = TimeSpan.FromSeconds(2);

    /// <summary>
    /// This call's place in its execution's window. The count the call's cache round trip already took
    /// (<paramref name="lookup"/>, see <see cref="CallLookup"/>) is used as is; else the cache counts, else this process.
    /// A ValueTask: with the count already taken it completes at once and allocates no task.
    /// </summary>
    public async ValueTask<RateDecision> TryAcquireAsync(string executionId, CallLookup? lookup)
    {
        var now = time.GetUtcNow();
        var window = lookup?.Window ?? now.ToUnixTimeSeconds();
        var count = lookup?.Calls
            ?? await cache.CountAsync(CacheKeys.RateWindow(executionId, window), CounterLifetime)
            ?? CountLocally(executionId, window);
        var untilNext = TimeSpan.FromSeconds(window + 1) - TimeSpan.FromMilliseconds(now.ToUnixTimeMilliseconds());
        return new RateDecision(options.Value.PermitsPerSecond, count, untilNext > TimeSpan.Zero ? untilNext : TimeSpan.FromMilliseconds(1));
    }

    private long CountLocally(string executionId, long window)
    {
        Sweep(window);
        var entry = local.AddOrUpdate(executionId,
            _ => new LocalWindow(window, 1),
            (_, w) => w.Window == window ? w with { Count = w.Count + 1 } : new LocalWindow(window, 1));
        return entry.Count;
    }

    /// <summary>Forgets executions that have been quiet for a few windows, so the map does not grow without bound.</summary>
    private void Sweep(long window)
    {
        var last = Interlocked.Read(ref lastSweep);
        if (window - last < 10 || Interlocked.CompareExchange(ref lastSweep, window, last) != last) return;
        foreach (var (id, w) in local)
            if (w.Window < window - 2) local.TryRemove(id, out _);
    }

    private sealed record LocalWindow(long Window, long Count);
}

/// <summary>How a call stands against its execution's limit: allowed while its count is within it.</summary>
internal sealed record RateDecision(int Limit, long Count, TimeSpan UntilNextWindow)
{
    public bool Allowed => Count <= Limit;

    public int ResetSeconds => Math.Max(1, (int)Math.Ceiling(UntilNextWindow.TotalSeconds));

    /// <summary>RateLimit-Limit, -Remaining and -Reset on every answer a script gets, so it can pace itself before a 429.</summary>
    public void Describe(IHeaderDictionary headers)
    {
        var invariant = System.Globalization.CultureInfo.InvariantCulture;
        headers["RateLimit-Limit"] = Limit.ToString(invariant);
        headers["RateLimit-Remaining"] = Math.Max(0, Limit - Count).ToString(invariant);
        headers["RateLimit-Reset"] = ResetSeconds.ToString(invariant);
    }
}
