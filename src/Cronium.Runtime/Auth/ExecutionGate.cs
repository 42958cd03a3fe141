using Cronium.Runtime.Hosting;
using Cronium.Runtime.Storage;
using Microsoft.Extensions.Options;

namespace Cronium.Runtime.Caching;

/// <summary>
/// Is this execution still running? Asked on every script call, after the token's signature and lifetime check.
/// The shared cache may answer "running" only because completion overwrites that entry with the final status
/// before it reports success (see <see cref="RevokeAsync"/>); without a cache, storage answers every time.
/// </summary>
internal sealed class ExecutionGate(RuntimeCache cache, ExecutionStore store, TimeProvider time, IOptions<RuntimeOptions> options)
{
    /// <summary>
    /// The execution's status (null when it does not exist) and, when the cache counted it in the same round
    /// trip, this call's place in the execution's rate window.
    /// </summary>
    public async Task<(string? Status, RateCount? Counted)> CheckAsync(string executionId, CancellationToken cancellationToken)
    {
        var key = CacheKeys.ExecutionState(executionId);
        var window = time.GetUtcNow().ToUnixTimeSeconds();
        var cached = await cache.ReadAndCountAsync(key, CacheKeys.RateWindow(executionId, window), RateCount.WindowLength * 2);
        var counted = cached is { } c ? new RateCount(window, c.Calls) : null;
        if (cached?.State is { } state) return (state, counted);

        var stored = await store.GetStateAsync(executionId, cancellationToken);
        if (stored is null) return (null, counted);
        // "running" only goes in if nothing is there yet, so it can never replace a revocation written meanwhile.
        await cache.SetAsync(key, stored.Status, TtlFor(stored.TokenExpiresAt), onlyIfAbsent: stored.Status == ExecutionStore.Running);
        return (stored.Status, counted);
    }

    /// <summary>
    /// Records the final status where every instance looks first. False when a cache is configured but did not take
    /// it: the caller must not report the completion as done, since another instance could still see "running".
    /// </summary>
    public async Task<bool> RevokeAsync(string executionId, string status, long tokenExpiresAt)
    {
        if (!cache.Enabled) return true;
        return await cache.SetAsync(CacheKeys.ExecutionState(executionId), status, TtlFor(tokenExpiresAt), onlyIfAbsent: false, force: true);
    }

    /// <summary>An entry outlives the token it speaks for; after that the token's own expiry refuses it.</summary>
    private TimeSpan TtlFor(long tokenExpiresAtMs)
    {
        var remaining = Time.FromMs(tokenExpiresAtMs) - time.GetUtcNow() + TimeSpan.FromSeconds(options.Value.ClockSkewSeconds);
        return remaining < TimeSpan.Zero ? TimeSpan.FromMinutes(1) : remaining + TimeSpan.FromMinutes(1);
    }
}

/// <summary>A call's number within its one-second rate window (counted by the gate's round trip).</summary>
internal sealed record RateCount(long Window, long Calls)
{
    public static readonly TimeSpan WindowLength = TimeSpan.FromSeconds(1);
}
